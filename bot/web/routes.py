"""The WSGI application: the routes the README lists in front of Bolt and the workflow."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot import logs
from bot.domain.errors import TryAgainLater
from bot.infra.webhook import StatusEvent, parse_pull_request_event, parse_status_event, verify_signature
from bot.slack.ids import REPLAY_CLAIM
from bot.store.base import Store
from bot.web.reconcile_auth import ReconcileAuth
from bot.web.slack_gate import SlackGate, Verdict

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
# The largest body each route reads. Slack's payloads are a few KB; GitHub's pull request and status
# events rarely pass 100 KB; Cloud Scheduler sends an empty one. The server refuses anything over the
# largest before buffering it (``MAX_BODY``).
BODY_LIMITS = {"/slack/events": 1024 * 1024, "/github/webhook": 5 * 1024 * 1024, "/tasks/reconcile": 64 * 1024}
MAX_BODY = max(BODY_LIMITS.values())
_path: ContextVar[str] = ContextVar("path", default="")


def _undispatched(start_response: StartResponse, verdict: Verdict) -> Iterable[bytes]:
    """The gate's answer to a Slack request that Bolt does not see."""
    if verdict.status == 200:
        log.info("answered /slack/events without dispatching: %s", verdict.reason)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
    return _reply(start_response, "401 Unauthorized", {"error": verdict.reason})


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    if status.startswith("4") and not status.startswith("404"):
        # One short line per refusal: never the body, never the headers (they may carry secrets).
        log.warning("refused %s: %s %s", _path.get(), status.split(" ")[0], str(payload.get("error", ""))[:200])
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _content_length(environ: Environ) -> int | None:
    """The declared body size, or None when the header is not a number."""
    raw = str(environ.get("CONTENT_LENGTH") or "0").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _body(environ: Environ) -> bytes:
    length = _content_length(environ) or 0
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
    slack_signing_secret: str = ""
    # The pipeline's plan or apply status (``status`` events): read back and acted on by the workflow.
    on_status: Callable[[StatusEvent], object] | None = None
    # Requests whose listener's only work is its job (serve: bot/slack/lazy_jobs.py): their replay claim is
    # taken with the job, in the same write, rather than before Bolt sees them.
    claimed_with_their_job: Callable[[dict[str, Any]], bool] | None = None

    def __post_init__(self) -> None:
        self._gate = SlackGate(self.slack_signing_secret, self.store)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        # Every log line written while serving this HTTP request carries its id and Cloud Trace.
        rid = logs.request_id.set(environ.get("HTTP_X_REQUEST_ID") or secrets.token_hex(8))
        tr = logs.trace.set(logs.trace_from_header(environ.get("HTTP_X_CLOUD_TRACE_CONTEXT"), self.project))
        where = _path.set(f"{environ.get('REQUEST_METHOD', 'GET')} {str(environ.get('PATH_INFO', ''))[:100]}")
        try:
            return self._route(environ, start_response)
        finally:
            _path.reset(where)
            logs.request_id.reset(rid)
            logs.trace.reset(tr)

    def _route(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST" and path in BODY_LIMITS:
            # Refused on the declared size, before a byte of the body is read.
            length = _content_length(environ)
            if length is None:
                return _reply(start_response, "400 Bad Request", {"error": "Content-Length is not a number"})
            if length > BODY_LIMITS[path]:
                return _reply(
                    start_response,
                    "413 Request Entity Too Large",
                    {"error": f"body of {length} bytes is over the {BODY_LIMITS[path]}-byte limit"},
                )
        if path == "/slack/events" and method == "POST":
            return self.slack(environ, start_response)
        if path == "/github/webhook" and method == "POST":
            return self.github(environ, start_response)
        if path == "/tasks/reconcile" and method == "POST":
            return self.reconcile(environ, start_response)
        if path == "/healthz" and method == "GET":
            report = self.health()
            return _reply(start_response, "200 OK" if report["ok"] else "503 Service Unavailable", report)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def slack(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Signature, freshness and replay checked here; only then does Bolt parse and dispatch."""
        body = _body(environ)
        headers = _headers(environ)
        verdict = self._gate.verify(headers, body)
        if verdict is not None:
            return _undispatched(start_response, verdict)
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
        try:
            request = BoltRequest(
                body=body.decode("utf-8"), query=environ.get("QUERY_STRING", ""), headers=bolt_headers
            )
        except Exception as e:
            # Signed by Slack, yet not a payload Bolt can read: a bug on one side, said in one line.
            return _reply(start_response, "400 Bad Request", {"error": f"not a Slack payload ({type(e).__name__})"})
        claim = self._gate.claim_of(headers)
        if self.claimed_with_their_job is not None and self.claimed_with_their_job(request.body):
            # Its ack changes nothing and tells nothing: a replay adds no job, and gets the same ack.
            request.context[REPLAY_CLAIM] = claim
        else:
            verdict = self._gate.claim(claim)
            if verdict is not None:
                return _undispatched(start_response, verdict)
        answer = self.bolt.dispatch(request)
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

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
        if not isinstance(payload, dict):
            return _reply(start_response, "400 Bad Request", {"error": "body is not a JSON object"})
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
            return _reply(start_response, "401 Unauthorized", {"error": reason})
        report = self.run_reconcile()
        summary = getattr(report, "summary", lambda: "done")()
        return _reply(start_response, "200 OK", {"ok": True, "summary": summary})
