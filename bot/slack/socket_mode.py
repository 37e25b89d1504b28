"""Socket Mode (``notebook-bot socket``): the Bolt app over Slack's WebSocket, told in one line per event.

A token that cannot work ends it with one line and the fix; Slack out of reach is retried, with a line each
time; "connected" is said only once the WebSocket is open. The SDK's own messages about the same moments
(including "A new session has been established", which it logs even when the connection failed) are kept
quiet until the connection is open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# What apps.connections.open answers when the token itself is the problem: retrying cannot help.
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
    }
)
FIX = (
    "create an app-level token with the connections:write scope (api.slack.com/apps → your app → Basic "
    "Information → App-Level Tokens) and set SLACK_APP_TOKEN to it"
)
CONNECTED = "Connected to Slack (Socket Mode)."

Say = Callable[[str], object]


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be an app-level token, or None."""
    if token.startswith("xapp-"):
        return None
    kind = token.split("-", 1)[0] + "-" if "-" in token else "something else"
    return f"SLACK_APP_TOKEN is not an app-level token (it starts with {kind}; those start with xapp-): {FIX}."


def run_socket_mode(
    build: Callable[[], App],
    app_token: str,
    *,
    api_url: str,
    say: Say,
    stop: threading.Event | None = None,
    first_delay: float = 1.0,
    max_delay: float = 30.0,
) -> int:
    """Connects the app ``build`` makes to Slack and serves it until ``stop`` is set; 2 if Slack refuses
    the token. The app is built once Slack has answered, so that a refusal is the only thing said."""
    problem = token_problem(app_token)
    if problem:
        say(problem)
        return 2
    stop = stop or threading.Event()
    sdk_log = logging.getLogger("bot.socket_mode.sdk")
    sdk_log.setLevel(logging.CRITICAL)  # until connected: our own line says each thing, once
    web = WebClient(base_url=api_url, timeout=10, retry_handlers=[])
    handler: SocketModeHandler | None = None
    delay = first_delay
    try:
        while not stop.is_set():
            try:
                url = str(web.apps_connections_open(app_token=app_token)["url"])
            except SlackApiError as e:
                error = str(e.response.get("error") or f"HTTP {e.response.status_code}")
                if error in REFUSED:
                    say(f"Slack refused SLACK_APP_TOKEN ({error}): {FIX}.")
                    return 2
                problem = f"Slack answered {error} when asked for a Socket Mode connection"
            except OSError as e:  # URLError, refused connections, timeouts
                problem = f"Slack is unreachable ({getattr(e, 'reason', None) or e})"
            else:
                handler = handler or SocketModeHandler(build(), app_token, logger=sdk_log, web_client=web)
                handler.client.wss_uri = url
                handler.client.connect()
                if handler.client.is_connected():
                    sdk_log.setLevel(logging.WARNING)
                    say(CONNECTED)
                    stop.wait()
                    return 0
                problem = "Slack's Socket Mode endpoint did not open the connection"
            say(f"{problem}; retrying in {delay:.0f} s.")
            if stop.wait(delay):
                break
            delay = min(delay * 2, max_delay)
        return 0
    finally:
        if handler is not None:
            handler.client.close()
