"""Authorized calls to Google REST APIs: lazy credentials, timeouts, bounded retries of transient failures."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # requests and google-auth are imported on the first Google call, not at start
    import requests
    from google.auth.credentials import Credentials

from bot.cloud.base import CloudError
from bot.cloud.gcp_errors import GoogleError, parse_http_error

log = logging.getLogger(__name__)

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_MAX_RETRY_AFTER = 30.0


class GoogleCallFailed(Exception):
    """A call ended in an error answer (or in no answer at all, after the retries)."""

    def __init__(self, error: GoogleError) -> None:
        super().__init__(f"{error.status}: {error.message}")
        self.error = error


class GoogleTransport:
    """Sends JSON requests through one ``AuthorizedSession``, created on first use.

    Credentials are looked up lazily so that building the app (and ``check-config``) needs none.
    Transient failures (5xx, rate limits, connection errors, timeouts) are retried ``retries`` times
    with exponential backoff and jitter; the last failure is raised as :class:`GoogleCallFailed`.
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        session: requests.Session | None = None,
        request_timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._credentials = credentials
        self._jitter = jitter
        self._session = session
        self._request_timeout = request_timeout
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._lock = threading.Lock()

    def _authorized_session(self) -> requests.Session:
        import google.auth
        import google.auth.exceptions
        from google.auth.transport.requests import AuthorizedSession

        with self._lock:
            if self._session is None:
                credentials = self._credentials
                if credentials is None:
                    try:
                        credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
                    except google.auth.exceptions.DefaultCredentialsError as exc:
                        raise CloudError(
                            "The bot has no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS, "
                            "or run it with a service account (Cloud Run, GCE) or after "
                            "`gcloud auth application-default login`."
                        ) from exc
                self._session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
            return self._session

    def close(self) -> None:
        """Closes the HTTP session's pooled connections (it reconnects on next use)."""
        with self._lock:
            if self._session is not None:
                self._session.close()

    def call(self, method: str, url: str, *, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call; returns the decoded JSON answer (``{}`` for an empty one)."""
        session = self._authorized_session()
        attempt = 0
        while True:
            outcome = self._once(session, method, url, body)
            if outcome.error is None:
                return outcome.answer
            if not outcome.error.transient or attempt >= self._retries:
                raise GoogleCallFailed(outcome.error)
            delay = self.backoff_delay(attempt)
            if outcome.retry_after is not None:
                delay = max(delay, outcome.retry_after)
            log.info("google %s %s: %s, retrying in %.1fs", method, url, outcome.error.status, delay)
            self._sleep(delay)
            attempt += 1

    def backoff_delay(self, attempt: int) -> float:
        """Exponential (capped at 8 s), with a random half taken off: instances that met the same outage do
        not all come back at the same instant."""
        ceiling = min(self._backoff * 2.0**attempt, 8.0)
        return float(ceiling * (0.5 + 0.5 * self._jitter()))

    def _once(self, session: requests.Session, method: str, url: str, body: dict[str, Any] | None) -> _Outcome:
        import google.auth.exceptions
        import requests

        try:
            response = session.request(method, url, json=body, timeout=self._request_timeout)
        except requests.Timeout:
            return _Outcome(error=GoogleError(0, "DEADLINE_EXCEEDED", f"no answer within {self._request_timeout:g}s"))
        except requests.ConnectionError as exc:
            return _Outcome(error=GoogleError(0, "UNAVAILABLE", f"could not connect ({type(exc).__name__})"))
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                return _Outcome(error=GoogleError(0, "UNAVAILABLE", "could not refresh the access token"))
            raise CloudError(
                "Google refused to give the bot an access token; an admin must check its service account."
            ) from exc
        except google.auth.exceptions.TransportError:
            return _Outcome(error=GoogleError(0, "UNAVAILABLE", "could not reach Google's token service"))
        if response.ok:
            try:
                answer = response.json() if response.content else {}
            except ValueError:
                return _Outcome(error=GoogleError(response.status_code, "UNKNOWN", "the answer was not JSON"))
            return _Outcome(answer=answer if isinstance(answer, dict) else {})
        return _Outcome(
            error=parse_http_error(response.status_code, response.content), retry_after=_retry_after(response)
        )


@dataclass(frozen=True)
class _Outcome:
    answer: dict[str, Any] = field(default_factory=dict)
    error: GoogleError | None = None
    retry_after: float | None = None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), _MAX_RETRY_AFTER) if value else None
    except ValueError:  # an HTTP date; the backoff is good enough
        return None
