"""The WSGI application: routes of DESIGN §3 in front of Bolt and the workflow."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs
from bot.domain.errors import TryAgainLater
from bot.infra.webhook import StatusEvent, parse_pull_request_event, parse_status_event, verify_signature
from bot.store.base import Store
from bot.web.reconcile_auth import ReconcileAuth

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
MAX_BODY = 1024 * 1024


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _body(environ: Environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(min(length, MAX_BODY)) if length else b""


def _headers(environ: Environ) -> dict[str, str]:
    out = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if "CONTENT_TYPE" in environ:
        out["content-type"] = str(environ["CONTENT_TYPE"])
    return out


@dataclass
class Routes:
    """The WSGI callable. Each route does only what must happen before the response."""

    bolt: App
    store: Store
    webhook_secret: bytes | None
    reconcile_auth: ReconcileAuth
    on_pull_request: Callable[[str], object]
    run_reconcile: Callable[[], object]
    submit_background: Callable[[str, Callable[[], object]], None]
    health: Callable[[], dict[str, Any]]
    clock: Callable[[], datetime]
    # Only our repository's pull requests from our branches may move a request (an organisation-wide
    # webhook, or somebody else's pull request, must not).
    repo_full_name: str | None = None
    branch_prefix: str | None = None
    project: str = ""
    # The pipeline's plan or apply status (``status`` events): read back and acted on by the workflow.
    on_status: Callable[[StatusEvent], object] | None = None

    def __post_init__(self) -> None:
        self._slack = SlackRequestHandler(self.bolt)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        # Every log line written while serving this HTTP request carries its id and Cloud Trace.
        rid = logs.request_id.set(environ.get("HTTP_X_REQUEST_ID") or secrets.token_hex(8))
        tr = logs.trace.set(logs.trace_from_header(environ.get("HTTP_X_CLOUD_TRACE_CONTEXT"), self.project))
        try:
            return self._route(environ, start_response)
        finally:
            logs.request_id.reset(rid)
            logs.trace.reset(tr)

    def _route(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return self._slack(environ, start_response)
        if path == "/github/webhook" and method == "POST":
            return self.github(environ, start_response)
        if path == "/tasks/reconcile" and method == "POST":
            return self.reconcile(environ, start_response)
        if path == "/healthz" and method == "GET":
            report = self.health()
            return _reply(start_response, "200 OK" if report["ok"] else "503 Service Unavailable", report)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def github(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ)
        headers = _headers(environ)
        if not self.webhook_secret:
            return _reply(start_response, "503 Service Unavailable", {"error": "GITHUB_WEBHOOK_SECRET is not set"})
        if not verify_signature(self.webhook_secret, body, headers.get("x-hub-signature-256")):
            return _reply(start_response, "401 Unauthorized", {"error": "bad signature"})
        try:
            payload = json.loads(body)
        except ValueError:
            return _reply(start_response, "400 Bad Request", {"error": "body is not JSON"})
        kind = headers.get("x-github-event", "")
        scope = {"repo_full_name": self.repo_full_name, "branch_prefix": self.branch_prefix}
        event = parse_pull_request_event(kind, payload, **scope) if isinstance(payload, dict) else None
        status = parse_status_event(kind, payload, **scope) if isinstance(payload, dict) else None
        if event is None and (status is None or self.on_status is None):
            return _reply(start_response, "200 OK", {"ignored": True})
        delivery = headers.get("x-github-delivery") or ""
        try:
            if delivery and not self.store.claim(f"github-delivery:{delivery}", self.clock()):
                return _reply(start_response, "200 OK", {"duplicate": True})
        except TryAgainLater:
            # Not acknowledged, so GitHub shows it failed; reconcile polls the pull request anyway.
            return _reply(start_response, "503 Service Unavailable", {"error": "store unavailable"})
        # The payload is only a hint: what happened is read back from the repository itself, so a replayed
        # or forged-but-signed event cannot move a request the real pull request (or status) does not.
        if event is not None:
            branch = event.branch
            self.submit_background(f"webhook {delivery}", lambda: self.on_pull_request(branch))
        elif status is not None and self.on_status is not None:
            on_status = self.on_status
            self.submit_background(f"webhook {delivery}", lambda: on_status(status))
        return _reply(start_response, "202 Accepted", {"accepted": True})

    def reconcile(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        ok, reason = self.reconcile_auth.check(_headers(environ))
        if not ok:
            log.warning("refused /tasks/reconcile: %s", reason)
            return _reply(start_response, "401 Unauthorized", {"error": reason})
        report = self.run_reconcile()
        summary = getattr(report, "summary", lambda: "done")()
        return _reply(start_response, "200 OK", {"ok": True, "summary": summary})
