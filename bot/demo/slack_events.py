"""What Slack sends to the app: slash commands, button clicks and view submissions, signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def trigger_id() -> str:
    """A new trigger_id that, like Slack's, carries when it was issued (milliseconds): it lives 3 s."""
    return f"{int(time.time() * 1000)}.{secrets.randbelow(10**9)}.trigger"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    """Posts Slack's payloads to ``/slack/events`` of a running server, signed with ``signing_secret``."""

    def __init__(self, server_url: str, signing_secret: str, response_url: str, team_id: str = "T0DEMO") -> None:
        self.endpoint = server_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.response_url = response_url
        self.team_id = team_id

    def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature or sign(self.secret, body, ts),
        }
        request = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback only
                return Response(resp.status, resp.read())
        except HTTPError as e:
            return Response(e.code, e.read())

    def command(self, user_id: str, text: str, **overrides: Any) -> Response:
        form = {
            "token": "legacy-unused",
            "team_id": self.team_id,
            "team_domain": "demo",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/notebook",
            "text": text,
            "api_app_id": "A0NOTEBOOK",
            "response_url": self.response_url,
            "trigger_id": trigger_id(),
        }
        form.update(overrides)
        return self.post(urlencode(form).encode())

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        payload.setdefault("team", {"id": self.team_id, "domain": "demo"})
        payload.setdefault("api_app_id", "A0NOTEBOOK")
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), **kw)

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        channel: str = "C0ADMINS",
        message_ts: str = "1.000001",
        **kw: Any,
    ) -> Response:
        """A button clicked in a message (the admin card, a DM)."""
        return self.interaction(
            {
                **self._button(user_id, action_id, value),
                "response_url": self.response_url,
                "channel": {"id": channel},
                "container": {"type": "message", "message_ts": message_ts},
                "message": {"ts": message_ts, "blocks": []},
            },
            **kw,
        )

    def click_in_home(self, user_id: str, action_id: str, value: str) -> Response:
        """A button clicked in the App Home tab: no channel and no response_url, the view instead."""
        view = {"id": "V0HOME", "type": "home", "callback_id": "notebook_home", "hash": "h", "blocks": []}
        return self.interaction(
            {
                **self._button(user_id, action_id, value),
                "container": {"type": "view", "view_id": "V0HOME"},
                "view": view,
            }
        )

    def _button(self, user_id: str, action_id: str, value: str) -> dict[str, Any]:
        return {
            "type": "block_actions",
            "user": {"id": user_id, "team_id": self.team_id},
            "trigger_id": trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }

    def submit_view(
        self,
        user_id: str,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        private_metadata: str = "",
        blocks: list[dict[str, Any]] | None = None,
    ) -> Response:
        """A view_submission; ``values`` maps block_id -> the element's state (Slack's shape)."""
        state = {block: {block if block != "template" else "template": value} for block, value in values.items()}
        return self.interaction(
            {
                "type": "view_submission",
                "user": {"id": user_id, "team_id": self.team_id},
                "trigger_id": trigger_id(),
                "view": {
                    "id": "V0MODAL",
                    "type": "modal",
                    "hash": "h",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "blocks": blocks or [{"block_id": b} for b in values],
                    "state": {"values": state},
                },
            }
        )


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def number_value(value: int | str) -> dict[str, Any]:
    return {"type": "number_input", "value": str(value)}


def option_value(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }
