"""Helpers for lifecycle scenarios: Home-tab clicks and events as Slack sends them, clouds that misbehave on
purpose, a repository that fails on demand, and short ways to read what people saw."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from typing import Any

from bot.cloud.base import ACTIVE, NOT_FOUND, CloudEnvironment, CloudError, CloudStatus
from bot.cloud.simulated import SimulatedCloud
from bot.demo.slack_events import Response, SlackSender
from bot.infra.base import FileChange, PullRequest, RepoUnavailable
from bot.infra.local_git import LocalGitRepo
from tests.support.harness import Harness


def open_home(send: SlackSender, user_id: str) -> Response:
    """The ``app_home_opened`` event Slack sends when someone opens the app's Home tab."""
    body = {
        "token": "legacy-unused",
        "team_id": send.team_id,
        "api_app_id": "A0NOTEBOOK",
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    return send.post(json.dumps(body).encode(), content_type="application/json")


def texts_to(bot: Harness, user_id: str) -> list[str]:
    """The text of every message the bot posted to a user (their DM) or channel, oldest first."""
    return [str(m.get("text") or "") for m in bot.messages_to(user_id)]


def reply_texts(bot: Harness) -> list[str]:
    """Everything said through response_url, text and blocks flattened, oldest first."""
    return [str(r.get("text") or "") + " " + json.dumps(r.get("blocks") or []) for r in bot.replies()]


def wait_until(check: Any, timeout: float = 10.0, what: str = "") -> Any:
    """Waits until ``check()`` is true and returns its value; fails the test (``TimeoutError``) when it is
    still false after ``timeout`` seconds. A wait that ran out is never taken for an answer."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still not true after {timeout:g} s: {what or getattr(check, '__name__', check)}")
        time.sleep(0.02)


class ScriptedCloud(SimulatedCloud):
    """The simulated cloud plus what tests need: counting calls, outages, vanishing, and slow starts/stops."""

    def __init__(self, repo: LocalGitRepo, region: str = "europe-west1") -> None:
        super().__init__(repo.exists_on_base, region)
        self.calls: Counter[str] = Counter()
        self.failing = False
        self.vanished: set[str] = set()
        self.lingering: set[str] = set()  # still running after their file left (the apply never ran)
        self.settle_after = 0  # polls a start/stop stays STARTING/STOPPING for
        self._pending: dict[str, tuple[str, int]] = {}
        self._guard = threading.Lock()

    def status(self, env: CloudEnvironment) -> CloudStatus:
        with self._guard:
            self.calls["status"] += 1
            if self.failing:
                raise CloudError("Google Cloud is not answering.", retriable=True)
            if env.name in self.vanished:
                return CloudStatus(NOT_FOUND, detail="deleted in the console")
            if env.name in self.lingering:
                return CloudStatus(ACTIVE, url=f"https://{env.name}.example")
            pending = self._pending.get(env.name)
            if pending is not None:
                word, left = pending
                if left > 0:
                    self._pending[env.name] = (word, left - 1)
                    return CloudStatus(word)
                del self._pending[env.name]
        return super().status(env)

    def _change(self, env: CloudEnvironment, verb: str) -> CloudStatus:
        with self._guard:
            self.calls[verb] += 1
            if self.failing:
                raise CloudError("Google Cloud is not answering.", retriable=True)
            if self.settle_after:
                self._pending[env.name] = ("STARTING" if verb == "start" else "STOPPING", self.settle_after)
        if verb == "start":
            super().start(env)
        else:
            super().stop(env)
        return self.status(env)

    def start(self, env: CloudEnvironment) -> CloudStatus:
        return self._change(env, "start")

    def stop(self, env: CloudEnvironment) -> CloudStatus:
        return self._change(env, "stop")


class FlakyRepo(LocalGitRepo):
    """A local git repository whose pull request creation fails while ``failing`` is set."""

    failing = False

    def open_pull_request(self, change: FileChange) -> PullRequest:
        if self.failing:
            raise RepoUnavailable("HTTP 502 from the git host")
        return super().open_pull_request(change)


def say(bot: Harness, user_id: str, text: str, replies: int = 1) -> list[str]:
    """Types ``/notebook TEXT`` as ``user_id``; returns the ``replies`` new ephemeral replies it got."""
    before = len(bot.replies())
    response = bot.send.command(user_id, text)
    assert response.status == 200, response.body
    wait_until(lambda: len(bot.replies()) >= before + replies)
    bot.settle()
    return reply_texts(bot)[before:]


def click(bot: Harness, user_id: str, action_id: str, value: str, replies: int = 1) -> list[str]:
    """Clicks a button of a message as ``user_id``; returns the new ephemeral replies."""
    before = len(bot.replies())
    response = bot.send.click(user_id, action_id, value)
    assert response.status == 200, response.body
    wait_until(lambda: len(bot.replies()) >= before + replies)
    bot.settle()
    return reply_texts(bot)[before:]
