"""Who may call ``POST /tasks/reconcile``: Cloud Scheduler with a Google OIDC token, or a local secret.

In production the scheduler's service account sends ``Authorization: Bearer <Google-signed ID token>``
whose audience is the bot's URL; anyone can mint a Google ID token for any audience with their own
account, so the token's ``email`` must also be the configured invoker. Without an audience configured
(a laptop, a single VM), the caller sends the shared secret in ``X-Notebook-Bot-Secret`` instead.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # google-auth is imported on the first OIDC check, not at start (cold start)
    from bot.web.google_certs import CachedCertsRequest

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
SECRET_HEADER = "X-Notebook-Bot-Secret"  # noqa: S105 (a header name)


class ReconcileAuth:
    """Decides whether a request to the reconcile endpoint comes from who may trigger it."""

    def __init__(
        self,
        audience: str | None,
        invoker_email: str | None,
        shared_secret: str | None,
        certs_url: str | None = None,
        *,
        request: CachedCertsRequest | None = None,
        clock_skew_seconds: int = 10,
    ) -> None:
        self._audience = audience or None
        self._invoker = (invoker_email or "").strip().lower() or None
        self._secret = shared_secret or None
        self._certs_url = certs_url or GOOGLE_CERTS_URL
        self._request = request
        self._request_lock = threading.Lock()
        self._clock_skew = clock_skew_seconds
        self._last_forced_refresh = float("-inf")

    @property
    def mode(self) -> str:
        """``oidc``, ``secret`` or ``closed`` (nothing configured: every call is refused)."""
        if self._audience:
            return "oidc"
        return "secret" if self._secret else "closed"

    def check(self, headers: Mapping[str, str]) -> tuple[bool, str]:
        """(True, who) for an allowed caller, else (False, why), in words an operator can act on."""
        if self.mode == "closed":
            return False, (
                "reconcile endpoint is closed: set NOTEBOOK_BOT_RECONCILE_AUDIENCE and "
                "NOTEBOOK_BOT_RECONCILE_INVOKER (Cloud Scheduler OIDC), or "
                "NOTEBOOK_BOT_RECONCILE_SECRET for local use"
            )
        if self.mode == "secret":
            return self._check_secret(_header(headers, SECRET_HEADER))
        if not self._invoker:
            return False, (
                "NOTEBOOK_BOT_RECONCILE_INVOKER is not set: the email of the scheduler's "
                "service account is needed to accept its tokens"
            )
        auth = _header(headers, "Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False, "missing 'Authorization: Bearer <Google ID token>' header"
        return self._check_token(token.strip())

    def _check_secret(self, given: str | None) -> tuple[bool, str]:
        if not given:
            return False, f"missing {SECRET_HEADER} header"
        assert self._secret is not None
        if hmac.compare_digest(given.encode(), self._secret.encode()):
            return True, "shared secret"
        return False, f"wrong {SECRET_HEADER}"

    def _certs(self) -> CachedCertsRequest:
        with self._request_lock:
            if self._request is None:
                from bot.web.google_certs import CachedCertsRequest

                self._request = CachedCertsRequest()
            return self._request

    def _check_token(self, token: str) -> tuple[bool, str]:
        import google.auth.exceptions

        try:
            claims = self._verify(token)
        except google.auth.exceptions.TransportError:
            return False, "could not fetch Google's signing certificates; try again"
        except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
            return False, f"invalid ID token: {exc}"
        if claims.get("iss") not in GOOGLE_ISSUERS:
            return False, f"ID token was not issued by Google (iss={claims.get('iss')!r})"
        email = str(claims.get("email") or "").lower()
        if email != self._invoker:
            return False, f"ID token is for {email or 'no email'}, not the configured invoker"
        if claims.get("email_verified") not in (True, "true"):
            return False, "ID token's email is not verified"
        return True, f"OIDC token of {email}"

    def _verify(self, token: str) -> Mapping[str, Any]:
        from google.oauth2 import id_token

        request = self._certs()
        try:
            return id_token.verify_token(
                token,
                request,
                audience=self._audience,
                certs_url=self._certs_url,
                clock_skew_in_seconds=self._clock_skew,
            )
        except ValueError as exc:
            # A key newer than our cached list: fetch the list again, at most once a minute.
            if "Certificate for key id" not in str(exc) or time.monotonic() - self._last_forced_refresh < 60:
                raise
            self._last_forced_refresh = time.monotonic()
            request.forget(self._certs_url)
            return id_token.verify_token(
                token,
                request,
                audience=self._audience,
                certs_url=self._certs_url,
                clock_skew_in_seconds=self._clock_skew,
            )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)
