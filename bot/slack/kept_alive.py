"""The listeners' calls to Slack on kept-alive connections.

Bolt hands every listener a ``client`` of its own (a stock WebClient built per request) and a ``respond``
that builds a stock webhook client per call: each opens a new connection (against Slack, a new TLS
handshake), and builds urllib's opener, on the same CPU as the next request's ack. Our token is the same
for every request, so the listeners get the app's own client (``PooledWebClient``, connections kept alive)
and a ``respond`` whose posts to ``response_url`` share a pool of kept-alive connections too. What is sent,
what comes back and how errors are retried are the stock clients' (``WebhookResponse``, retry handlers).
The pool (and urllib3 with it) is made at the first reply, not at start: a cold start does not pay for it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.slack.client import PooledWebClient

if TYPE_CHECKING:
    import urllib3

_POOL_SIZE = 32
_TIMEOUT = 30  # the stock webhook client's


class ResponseConnections:
    """Kept-alive connections to ``response_url`` hosts, shared by every reply; made at the first."""

    def __deepcopy__(self, memo: dict[int, object]) -> ResponseConnections:
        # Shared, not copied: Bolt deep-copies a request's context for its lazy listeners, and a pool of
        # connections (with its lock) is meant to be shared by every thread.
        return self

    def __init__(self) -> None:
        self._pool: urllib3.PoolManager | None = None
        self._lock = threading.Lock()

    def pool(self) -> urllib3.PoolManager:
        with self._lock:
            if self._pool is None:
                import urllib3

                self._pool = urllib3.PoolManager(num_pools=4, maxsize=_POOL_SIZE, block=False, retries=False)
            return self._pool


class _PooledWebhookClient(WebhookClient):
    """The stock webhook client (retries, responses, errors), its request sent on a kept-alive connection."""

    def __init__(self, url: str, pool: urllib3.PoolManager) -> None:
        super().__init__(url=url, timeout=_TIMEOUT)
        self._pool = pool

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        import urllib3  # loaded with the pool, at the first reply

        body = req.data if isinstance(req.data, bytes) else None  # the stock client sends encoded JSON
        try:
            resp = self._pool.request("POST", url, body=body, headers=dict(req.header_items()), preload_content=True)
        except urllib3.exceptions.ReadTimeoutError as e:  # as the stock client: a timeout is not retried
            raise TimeoutError(str(e)) from e
        except urllib3.exceptions.HTTPError as e:  # failing to connect: retried as the stock client does
            raise URLError(e) from e
        headers = Message()
        for name, value in resp.headers.items():
            headers[name] = value
        if resp.status >= 400:  # the stock client reads these from urllib's HTTPError: same path
            raise HTTPError(url, resp.status, resp.reason or "", headers, io.BytesIO(resp.data))
        return WebhookResponse(
            url=url,
            status_code=resp.status,
            body=resp.data.decode(headers.get_content_charset() or "utf-8"),
            headers=headers,  # type: ignore[arg-type]
        )


class PooledRespond(Respond):
    """Bolt's ``respond``, its posts to ``response_url`` on the pool's kept-alive connections."""

    def __deepcopy__(self, memo: dict[int, object]) -> PooledRespond:
        # Shared, not copied: Bolt deep-copies a request's context for its lazy listeners, and a pool of
        # connections (with its lock) is meant to be shared by every thread.
        return self

    def __init__(self, response_url: str | None, connections: ResponseConnections) -> None:
        super().__init__(response_url=response_url)
        self._connections = connections

    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = _PooledWebhookClient(self.response_url, self._connections.pool())
        if isinstance(text, dict):
            return client.send_dict(_build_message(**text))
        message = _build_message(
            text=text,
            blocks=blocks,
            attachments=attachments,
            response_type=response_type,
            replace_original=replace_original,
            delete_original=delete_original,
            unfurl_links=unfurl_links,
            unfurl_media=unfurl_media,
            thread_ts=thread_ts,
            metadata=metadata,
        )
        return client.send_dict(message)


def use_kept_alive_connections(app: App) -> None:
    """Every listener of ``app`` gets the app's pooled client and a pooled ``respond`` (see the module)."""
    connections = ResponseConnections()
    shared = app.client if isinstance(app.client, PooledWebClient) else None

    def kept_alive(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        if shared is not None and context.client.token == shared.token:  # not a function's own token
            context["client"] = shared
        if context.response_url:  # a command's, a click's, or a modal's first response_urls entry
            context["respond"] = PooledRespond(context.response_url, connections)
        return next()

    app.middleware(kept_alive)
