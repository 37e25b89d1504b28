"""A loopback Slack Web API: answers the methods the bot calls, the way Slack does, and records every call.

The demo prints what it recorded as a transcript; tests assert on it. It also plays ``response_url``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class SlackUser:
    id: str
    email: str | None
    name: str
    team_id: str = "T0DEMO"
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    deleted: bool = False
    is_bot: bool = False
    tz: str | None = "Europe/Brussels"

    def to_api(self) -> dict[str, Any]:
        profile = {"real_name": self.name, "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": (self.email or self.name).split("@")[0].lower().replace(" ", "."),  # the @handle
            "real_name": self.name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "profile": profile,
            **({"tz": self.tz} if self.tz else {}),
        }


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    received: float = 0.0  # when the request arrived (``at`` is when it was answered)


@dataclass
class SlackState:
    users: dict[str, SlackUser] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # Methods that answer 429 with Retry-After this many more times (fault injection).
    rate_limited: dict[str, int] = field(default_factory=dict)
    # Methods that answer {"ok": false, "error": "fatal_error"} this many more times.
    failing: dict[str, int] = field(default_factory=dict)
    delay_seconds: float = 0.0
    # Channels whose messages Slack refuses with this error (not_in_channel, channel_not_found, is_archived),
    # answered exactly as Slack does: HTTP 200, {"ok": false, "error": ...}.
    channel_errors: dict[str, str] = field(default_factory=dict)
    # Socket Mode: the app-level token apps.connections.open accepts, and the WebSocket URL it hands out.
    app_token: str | None = None
    socket_url: str | None = None
    used_triggers: set[str] = field(default_factory=set)
    # Views the person closed: views.update on them answers not_found.
    closed_views: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What doctor reads. Scopes granted to the token (sent in ``x-oauth-scopes``; None: any scope, no header),
    # channels by id (``conversations.info`` fields), disabled user groups, and a token Slack refuses.
    scopes: list[str] | None = None
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    disabled_usergroups: set[str] = field(default_factory=set)
    token_error: str | None = None  # e.g. "invalid_auth": every method answers it


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after a test
    # Headers and body go out in two writes: on a kept-alive connection, Nagle's algorithm would hold the
    # body until the client's delayed ACK (40 ms), which Slack itself does not make anyone wait.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # the demo prints its own transcript
        return

    def _args(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw or "{}")  # type: ignore[no-any-return]
        parsed = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view", "attachments"):
            if isinstance(parsed.get(key), str):
                parsed[key] = json.loads(parsed[key])
        return parsed

    def do_POST(self) -> None:
        received = time.time()
        args = self._args()
        path = self.path.split("?")[0].strip("/")
        method = path.removeprefix("api/")
        state = self.server.state
        refusal = _refusal(method, args, received, self.headers.get("Authorization") or "", state)
        if state.delay_seconds:
            time.sleep(state.delay_seconds)
        with state.lock:
            if state.rate_limited.get(method, 0) > 0:
                state.rate_limited[method] -= 1
                state.calls.append(Call(f"{method}:429", args, time.time()))
                self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                return
            if state.failing.get(method, 0) > 0:
                state.failing[method] -= 1
                state.calls.append(Call(f"{method}:failed", args, time.time()))
                self._send(200, {"ok": False, "error": "fatal_error"})
                return
            refused = state.channel_errors.get(str(args.get("channel", "")))
            if refused and method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                refusal = refused
            if refusal:
                state.calls.append(Call(f"{method}:{refusal}", args, time.time(), received))
                self._send(200, {"ok": False, "error": refusal})
                return
            state.calls.append(Call(method, args, time.time(), received))
            setup_refusal = _setup_refusal(state, method, args)
        scopes = {} if state.scopes is None else {"x-oauth-scopes": ",".join(state.scopes)}
        self._send(200, setup_refusal or self.server.answer(method, args), scopes)

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


# Slack's trigger_id lives 3 s and opens one view.
TRIGGER_LIFE = 3.0


def _refusal(method: str, args: dict[str, Any], received: float, authorization: str, state: SlackState) -> str | None:
    """The error Slack answers a well-formed call with, as Slack decides it on arrival (None: it goes through)."""
    if method == "views.open":
        trigger = str(args.get("trigger_id") or "")
        issued_ms = trigger.split(".")[0]
        if issued_ms.isdigit() and len(issued_ms) >= 13:  # one made by SlackSender: it carries its birth
            if received - int(issued_ms) / 1000 > TRIGGER_LIFE:
                return "expired_trigger_id"
            with state.lock:
                if trigger in state.used_triggers:
                    return "invalid_trigger_id"
                state.used_triggers.add(trigger)
    if method == "views.update" and args.get("view_id") in state.closed_views:
        return "not_found"
    if method == "apps.connections.open" and state.app_token not in (None, authorization.removeprefix("Bearer ")):
        return "invalid_auth"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client going away is not news
            super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1  # one per TCP connection: shows whether clients keep theirs alive
        super().process_request(request, client_address)

    def __init__(self, state: SlackState, keep_alive: bool = False, port: int = 0) -> None:
        handler = type("_KeepAliveHandler", (_Handler,), {"protocol_version": "HTTP/1.1"}) if keep_alive else _Handler
        super().__init__(("127.0.0.1", port), handler)
        self.state = state
        self.connections = 0
        self._ts = itertools.count(1)
        self._views = itertools.count(1)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        s = self.state
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(args.get("channel", ""))
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]  # a DM to a user lands in the app's DM with them
            return {
                "ok": True,
                "channel": channel,
                "ts": f"{time.time():.0f}.{next(self._ts):06d}",
                "message_ts": "1.0",
            }
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method in ("views.open", "views.update", "views.publish"):
            n = next(self._views)
            return {"ok": True, "view": {"id": f"V{n:08d}", "hash": f"h{n}", **(args.get("view") or {})}}
        if method == "users.info":
            user = s.users.get(str(args.get("user")))
            return {"ok": True, "user": user.to_api()} if user else {"ok": False, "error": "user_not_found"}
        if method == "usergroups.users.list":
            group = str(args.get("usergroup"))
            if group not in s.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": s.usergroups[group]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}}
        if method == "apps.connections.open":
            return {"ok": True, "url": s.socket_url or "wss://wss-primary.slack.com/link/?ticket=loopback"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://demo.slack.com/",
                "team": "Demo",
                "user": "notebook-bot",
                "team_id": "T0DEMO",
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "is_enterprise_install": False,
            }
        if method == "conversations.info":
            found = s.channels.get(str(args.get("channel")))
            return {"ok": True, "channel": found} if found else {"ok": False, "error": "channel_not_found"}
        if method == "usergroups.list":
            wanted = str(args.get("include_disabled", "")).lower() in ("1", "true")
            groups = [
                _usergroup(g, s.usergroups[g], g in s.disabled_usergroups)
                for g in s.usergroups
                if wanted or g not in s.disabled_usergroups
            ]
            return {"ok": True, "usergroups": groups}
        if method.startswith("response/"):
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}


_NEEDS = {"usergroups.list": ("usergroups:read",), "usergroups.users.list": ("usergroups:read",)}


def _setup_refusal(state: SlackState, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer when the token is refused or lacks the method's scope, else None."""
    if state.token_error:
        return {"ok": False, "error": state.token_error}
    if state.scopes is None:
        return None
    needed = _NEEDS.get(method, ())
    if method == "conversations.info":
        private = bool(state.channels.get(str(args.get("channel")), {}).get("is_private"))
        needed = ("groups:read",) if private else ("channels:read",)
    missing = [n for n in needed if n not in state.scopes]
    if not missing:
        return None
    return {"ok": False, "error": "missing_scope", "needed": ",".join(missing), "provided": ",".join(state.scopes)}


def _usergroup(group_id: str, users: list[str], disabled: bool) -> dict[str, Any]:
    return {
        "id": group_id,
        "team_id": "T0DEMO",
        "is_usergroup": True,
        "is_subteam": True,
        "name": group_id.title(),
        "description": "",
        "handle": group_id.lower(),
        "is_external": False,
        "date_create": 1446598059,
        "date_update": 1446670362,
        "date_delete": 1446670400 if disabled else 0,
        "auto_type": None,
        "created_by": "U0ADMIN1",
        "updated_by": "U0ADMIN1",
        "deleted_by": "U0ADMIN1" if disabled else None,
        "prefs": {"channels": [], "groups": []},
        "user_count": len(users),
    }


def channel(
    channel_id: str, name: str, *, is_member: bool = True, is_private: bool = False, **fields: Any
) -> dict[str, Any]:
    """A conversation as ``conversations.info`` returns it."""
    return {
        "id": channel_id,
        "name": name,
        "is_channel": not is_private,
        "is_group": is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": is_private,
        "created": 1654868334,
        "is_archived": False,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "context_team_id": "T0DEMO",
        "creator": "U0ADMIN1",
        "is_member": is_member,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "Approvals", "creator": "", "last_set": 0},
        "previous_names": [],
        **fields,
    }


class LoopbackSlack:
    """A running loopback Slack Web API on 127.0.0.1; ``url`` goes into SLACK_API_URL.

    ``keep_alive`` answers HTTP/1.1 and keeps connections open, as Slack does; tests leave it off so that
    no connection outlives them.
    """

    def __init__(self, users: list[SlackUser] | None = None, *, keep_alive: bool = False, port: int = 0) -> None:
        self.state = SlackState(users={u.id: u for u in users or []})
        self._server = _Server(self.state, keep_alive, port)
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.05), name="loopback-slack", daemon=True
        )

    def __enter__(self) -> LoopbackSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{key}"

    def calls(self, method: str | None = None) -> list[Call]:
        with self.state.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, **match: Any) -> list[Call]:
        """Waits until ``count`` calls of ``method`` (whose args contain ``match``) were made, and returns them.

        Raises ``TimeoutError`` (saying what it waited for and what it saw) when they were not made in time:
        a wait that ran out is never taken for an answer."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method) if all(c.args.get(k) == v for k, v in match.items())]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"waited {timeout:g} s for {count} {method} call(s){f' with {match}' if match else ''}; "
                    f"saw {len(found)}"
                )
            time.sleep(0.02)
