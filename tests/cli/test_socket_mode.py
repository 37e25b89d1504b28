"""`notebook-bot socket` as an admin trying the bot out sees it: one line with the fix for a token that cannot
work, retries (said) while Slack is out of reach, and "connected" only once the WebSocket is open."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.demo.slack_api import LoopbackSlack
from tests.support.slack_socket import SocketModeEndpoint

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0NOTEBOOK-1234-" + "a" * 32


def env_for(tmp_path: Path, api_url: str, app_token: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": api_url,
        "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path / 'state.db'}",
        "NOTEBOOK_BOT_REPO": f"local:{tmp_path / 'infra'}",
        "NOTEBOOK_BOT_CLOUD": "simulated",
    }


def socket_command(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "socket", "--reconcile-every", "3600"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


class Lines:
    """What a running process writes to stderr, line by line, as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stderr is not None
        stream = process.stderr
        self.reader = threading.Thread(target=lambda: [self._queue.put(line.rstrip("\n")) for line in stream])
        self.reader.start()

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} within {timeout} s; saw {self.seen}") from None
            self.seen.append(line)
            if text in line:
                return line


@contextmanager
def running_socket(env: dict[str, str]) -> Iterator[Lines]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "socket", "--reconcile-every", "3600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = Lines(process)
    try:
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=30)
        lines.reader.join(timeout=30)  # the pipe is read to its end before it is closed
        assert process.stderr is not None
        process.stderr.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_token_that_is_not_an_app_level_token_gets_one_line_with_the_fix(tmp_path: Path) -> None:
    done = socket_command(env_for(tmp_path, "http://127.0.0.1:9/api/", "xoxb-a-bot-token-by-mistake"))

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("SLACK_APP_TOKEN") and "xapp-" in line and "connections:write" in line
    assert "bot-token-by-mistake" not in line  # the secret itself is never printed


def test_a_token_slack_refuses_gets_one_line_with_the_fix(tmp_path: Path) -> None:
    with LoopbackSlack() as slack:
        slack.state.app_token = APP_TOKEN
        done = socket_command(env_for(tmp_path, slack.url, "xapp-1-revoked-or-mistyped"))

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in line and "App-Level Tokens" in line


def test_slack_out_of_reach_at_start_is_retried_and_connected_is_said_once_it_is(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there yet: Slack is out of reach
    with running_socket(env_for(tmp_path, f"http://127.0.0.1:{port}/api/", APP_TOKEN)) as lines:
        lines.wait_for("Slack is unreachable")
        lines.wait_for("retrying")
        with SocketModeEndpoint() as endpoint, LoopbackSlack(port=port) as slack:
            slack.state.app_token = APP_TOKEN
            slack.state.socket_url = endpoint.url
            lines.wait_for("Connected to Slack")
            assert endpoint.connections == 1
    assert not [line for line in lines.seen if "Traceback" in line]
    assert sum("Connected" in line for line in lines.seen) == 1


def test_a_connection_that_never_opens_is_not_called_connected(tmp_path: Path) -> None:
    closed = free_port()  # apps.connections.open answers, but its WebSocket address takes no connection
    with LoopbackSlack() as slack:
        slack.state.app_token = APP_TOKEN
        slack.state.socket_url = f"ws://127.0.0.1:{closed}/link/?ticket=never"
        with running_socket(env_for(tmp_path, slack.url, APP_TOKEN)) as lines:
            lines.wait_for("did not open the connection")
            lines.wait_for("did not open the connection")
    said = " ".join(lines.seen)
    assert "Connected" not in said and "A new session has been established" not in said
    assert "Traceback" not in said
