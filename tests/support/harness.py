"""The whole bot, served over real HTTP, wired to loopback Slack, a local git repo and a chosen store.

Scenario tests drive it exactly as Slack would (signed requests) and read what people saw from the
loopback Slack's record.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cloud.base import Cloud
from bot.cloud.simulated import SimulatedCloud
from bot.config.load import load_policy, parse_policy
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import Response, SlackSender, number_value, option_value, text_value
from bot.domain.request import EnvironmentRequest
from bot.infra.base import InfraRepo
from bot.infra.local_git import LocalGitRepo
from bot.slack.ids import Action, View
from bot.store.base import Store
from bot.web.server import Server
from bot.wiring import Application, build_app, slack_client
from bot.workflow.jobs import JobQueue

ALICE = SlackUser("U0ALICE", "alice@example.com", "Alice Analyst")
BOB = SlackUser("U0BOB", "bob@example.com", "Bob Builder")
ADMIN = SlackUser("U0ADMIN1", "olga@example.com", "Olga Admin")
ADMIN2 = SlackUser("U0ADMIN2", "pat@example.com", "Pat Admin")
GUEST = SlackUser("U0GUEST", "gina@example.com", "Gina Guest", is_restricted=True)
SINGLE_CHANNEL_GUEST = SlackUser("U0SCG", "sam@example.com", "Sam", is_ultra_restricted=True)
DEACTIVATED = SlackUser("U0GONE", "gone@example.com", "Gone", deleted=True)
A_BOT = SlackUser("U0ROBOT", "robot@example.com", "Robot", is_bot=True)
OUTSIDER = SlackUser("U0EVE", "eve@elsewhere.org", "Eve Elsewhere")
EVERYONE = [ALICE, BOB, ADMIN, ADMIN2, GUEST, SINGLE_CHANNEL_GUEST, DEACTIVATED, A_BOT, OUTSIDER]


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


@dataclass
class Harness:
    app: Application
    server: Server
    slack: LoopbackSlack
    send: SlackSender
    store: Store
    repo: Any  # a LocalGitRepo (merge, close, path) unless a test injected another repository
    clock: FakeClock
    policy: Policy
    signing_secret: str

    def settle(self) -> None:
        assert self.app.wait_idle(30), "background work did not finish"

    def ask(
        self, user: SlackUser = ALICE, template: str = "cpu-small", name: str = "churn-model", **fields: Any
    ) -> Response:
        """Submits the request modal as ``user`` would."""
        values: dict[str, dict[str, Any]] = {
            "template": option_value(template),
            "display_name": text_value(name),
        }
        for key, value in fields.items():
            values[key] = (
                option_value(value)
                if key == "zone"
                else (text_value(value) if key == "reason" else number_value(value))
            )
        response = self.send.submit_view(user.id, View.NEW_REQUEST.value, values)
        self.settle()
        return response

    def only_request(self, user: SlackUser = ALICE) -> EnvironmentRequest:
        found = self.store.find(owner_user_id=user.id)
        assert len(found) == 1, found
        return found[0]

    def approve(self, request_id: str, admin: SlackUser = ADMIN) -> Response:
        response = self.send.click(admin.id, Action.APPROVE.value, request_id)
        self.settle()
        return response

    def merge(self, request: EnvironmentRequest) -> None:
        current = self.store.get(request.id)
        assert current is not None and current.pull_request is not None
        assert isinstance(self.repo, LocalGitRepo)
        self.repo.merge(current.pull_request.branch)

    def reconcile(self) -> Any:
        report = self.app.reconciler.run_once()
        self.settle()
        return report

    def ready(
        self, user: SlackUser = ALICE, template: str = "cpu-small", name: str = "churn-model", **fields: Any
    ) -> EnvironmentRequest:
        """Drives one request from the modal to ready: ask, approve, merge, reconcile."""
        before = {r.id for r in self.store.find(owner_user_id=user.id)}
        self.ask(user, template, name, **fields)
        request = next(r for r in self.store.find(owner_user_id=user.id) if r.id not in before)
        self.approve(request.id)
        self.merge(request)
        self.reconcile()
        final = self.store.get(request.id)
        assert final is not None and final.state.value == "ready", final
        return final

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        return [c.args for c in self.slack.calls("chat.postMessage") if c.args.get("channel") == channel]

    def replies(self) -> list[dict[str, Any]]:
        """What was said through response_url (ephemeral replies), oldest first."""
        return [c.args for c in self.slack.calls() if c.method.startswith("response/")]


@contextmanager
def running_bot(
    tmp_path: Path,
    store: Store,
    *,
    policy: Policy | str | None = None,
    cloud: Callable[[InfraRepo], Cloud] | None = None,
    users: list[SlackUser] | None = None,
    env: dict[str, str] | None = None,
    repo: InfraRepo | None = None,
    jobs: Callable[[Store], JobQueue] | None = None,
) -> Iterator[Harness]:
    """Starts the bot on a free loopback port with loopback Slack; stops everything afterwards. ``jobs``:
    the job queue to build it with (as serve does: ``run_here=False`` leaves the work to a worker)."""
    chosen = (
        policy
        if isinstance(policy, Policy)
        else (parse_policy(policy) if isinstance(policy, str) else load_policy(None))
    )
    signing = secrets.token_hex(16)
    clock = FakeClock()
    with LoopbackSlack(users or EVERYONE) as slack:
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-test-" + secrets.token_hex(12),
                "SLACK_SIGNING_SECRET": signing,
                "SLACK_API_URL": slack.url,
                "NOTEBOOK_BOT_THREADS": "16",
                **(env or {}),
            }
        )
        the_repo = repo or LocalGitRepo(tmp_path / "infra", base_branch=chosen.repo.base_branch)
        the_cloud = cloud(the_repo) if cloud else SimulatedCloud(the_repo.exists_on_base, chosen.gcp.region)
        app = build_app(
            settings,
            store,
            the_repo,
            the_cloud,
            slack_client(settings),
            policy=chosen,
            clock=clock,
            jobs=jobs(store) if jobs else None,
        )
        server = Server(app.wsgi, host="127.0.0.1", port=0, threads=16).start()
        try:
            yield Harness(
                app=app,
                server=server,
                slack=slack,
                send=SlackSender(server.url, signing, slack.response_url()),
                store=store,
                repo=the_repo,
                clock=clock,
                policy=chosen,
                signing_secret=signing,
            )
        finally:
            server.stop()
            app.wait_idle(10)
            shutdown = getattr(app.background, "shutdown", None)
            if shutdown:
                shutdown()
