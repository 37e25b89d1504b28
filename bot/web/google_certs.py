"""Google's signing certificates for ID tokens, fetched through google-auth and cached for their max-age.

Its own module so that google-auth is imported on the first OIDC check, not when the server starts.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from google.auth import transport
from google.auth.transport.requests import Request

_MAX_AGE = re.compile(r"max-age=(\d+)")


class CachedCertsRequest(Request):
    """A google-auth transport request that keeps each fetched certificate list for a while.

    Google rotates its signing keys about daily and announces them ahead, so the list is kept for
    its ``Cache-Control: max-age`` (within ``min_ttl``..``max_ttl``), not fetched for every token.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        min_ttl: float = 60.0,
        max_ttl: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(session=session or requests.Session())
        self._min_ttl, self._max_ttl, self._clock = min_ttl, max_ttl, clock
        self._cache: dict[str, tuple[float, transport.Response]] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = 10,
        **kwargs: Any,
    ) -> transport.Response:
        fetch = super().__call__
        if method != "GET" or body is not None:
            sent: transport.Response = fetch(url, method, body, headers, timeout, **kwargs)  # type: ignore[no-untyped-call]
            return sent
        with self._lock:
            hit = self._cache.get(url)
            if hit and hit[0] > self._clock():
                return hit[1]
        response: transport.Response = fetch(url, method, None, headers, timeout, **kwargs)  # type: ignore[no-untyped-call]
        if response.status == 200:
            with self._lock:
                self._cache[url] = (self._clock() + self._ttl(response), response)
        return response

    def _ttl(self, response: transport.Response) -> float:
        match = _MAX_AGE.search(str(response.headers.get("Cache-Control", "")))
        ttl = float(match.group(1)) if match else 3600.0
        return max(self._min_ttl, min(ttl, self._max_ttl))

    def forget(self, url: str) -> None:
        """Drops the cached list for ``url`` (a token signed with a key newer than the list)."""
        with self._lock:
            self._cache.pop(url, None)
