"""Slack's WebClient with kept-alive connections.

The stock client opens a new connection (and, against slack.com, a new TLS handshake) for every call; the
bot makes several calls per click, all after the ack but on the same CPU as the next ack. This keeps a
small pool of connections per host instead, and otherwise behaves exactly as the stock client: responses
and errors are handed back in urllib's shapes, so its retry handlers (429 ``Retry-After``, connection
errors) work unchanged.

The pool (and urllib3 with it) is made at the first call, not at start: ``serve``'s first ack makes no Web API
call, so a cold start does not pay for it.
"""

from __future__ import annotations

import io
import threading
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

from slack_sdk import WebClient

if TYPE_CHECKING:
    import urllib3


class PooledWebClient(WebClient):
    def __deepcopy__(self, memo: dict[int, object]) -> PooledWebClient:
        # Shared, not copied: Bolt deep-copies a request's context for its lazy listeners, and a pool of
        # connections (with its lock) is meant to be shared by every thread.
        return self

    def __init__(self, *args: Any, pool_size: int = 32, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool_size = pool_size
        self._pool: urllib3.PoolManager | None = None
        self._pool_lock = threading.Lock()

    def _connections(self) -> urllib3.PoolManager:
        with self._pool_lock:  # calls come from many threads at once; they share one pool
            if self._pool is None:
                import urllib3

                self._pool = urllib3.PoolManager(
                    num_pools=4,
                    maxsize=self._pool_size,
                    block=False,
                    retries=False,  # the client's own retry handlers decide
                    timeout=urllib3.Timeout(total=self.timeout),
                    ssl_context=self.ssl,
                )
            return self._pool

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith(("http://", "https://")):
            return super()._perform_urllib_http_request_internal(url, req)
        pool = self._connections()
        import urllib3  # already loaded by the pool: a lookup

        try:
            body = req.data if isinstance(req.data, bytes) or req.data is None else bytes(req.data)  # type: ignore[arg-type]
            resp = pool.request("POST", url, body=body, headers=dict(req.header_items()), preload_content=True)
        except urllib3.exceptions.ReadTimeoutError as e:
            # As the stock client: a read timeout is not retried (Slack may have done it: a post would be
            # doubled). Failing to connect is still a URLError, retried like the stock client's.
            raise TimeoutError(str(e)) from e
        except urllib3.exceptions.HTTPError as e:
            raise URLError(e) from e
        headers = Message()
        for name, value in resp.headers.items():
            headers[name] = value
        charset = headers.get_content_charset() or "utf-8"
        if resp.status >= 400:
            raise HTTPError(url, resp.status, resp.reason or "", headers, io.BytesIO(resp.data))
        if headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": headers, "body": resp.data}
        return {"status": resp.status, "headers": headers, "body": resp.data.decode(charset)}
