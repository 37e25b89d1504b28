"""How long one reconcile pass takes, and how many store, repository, cloud and Slack calls it makes,
for 100 and 1 000 environments in mixed states.

Run: ``.venv/bin/python benchmarks/bench_reconcile.py [N ...]`` (default 100 1000). The store is SQLite,
the infra repository a local git repository, the cloud simulated, Slack a loopback Web API; each is wrapped
in a thin counter. Two passes are measured: the first (what the CLI or a fresh instance does: every due
step, plus a drift check of every ready environment) and a second one a minute later on the same instance
(steady state: only what became due, drift checks spaced out).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cloud.simulated import SimulatedCloud
from bot.config.load import load_policy
from bot.config.settings import Settings
from bot.demo.slack_api import LoopbackSlack
from bot.domain.request import AuditRecord, EnvironmentRequest, PullRequestRef, SlackRefs
from bot.domain.states import State
from bot.infra.local_git import LocalGitRepo
from bot.slack.delivery import AdminChannel
from bot.slack.notifier import SlackNotifier
from bot.slack.reminders import SlackReminders
from bot.store.sqlite import SqliteStore
from bot.wiring import slack_client
from bot.workflow.background import Inline
from bot.workflow.jobs import JobQueue
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.message_refs import StoredMessageRefs
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.reconcile import Reconciler

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Counting:
    """Forwards every method call to ``inner`` and counts it by name."""

    def __init__(self, inner: Any, counts: Counter[str], prefix: str) -> None:
        self._inner = inner
        self._counts = counts
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._counts[f"{self._prefix}.{name}"] += 1
            return attr(*args, **kwargs)

        return counted


def environment(i: int) -> EnvironmentRequest:
    """Request ``i`` in one of the states a real fleet has, in realistic proportions."""
    env_name = f"nb-user{i}-bench{i:05d}"
    base = EnvironmentRequest(
        id=f"rbench{i:05d}",
        owner_user_id=f"U{i:06d}",
        owner_email=f"user{i}@example.com",
        owner_name=f"User {i}",
        team_id="T0DEMO",
        template_id="cpu-small",
        kind="workbench",
        display_name=f"nb-{i}",
        reason="",
        idle_minutes=180,
        lifetime_days=30,
        env_name=env_name,
        created_at=NOW - timedelta(days=10),
        updated_at=NOW - timedelta(days=1),
        files=(f"environments/{env_name}.tf",),
        decided_by="U0ADMIN1",
        pull_request=PullRequestRef(i, f"https://example.invalid/pull/{i}", f"notebook-bot/rbench{i:05d}"),
        # The messages it already had (a real fleet has them; without them reconcile would resend them).
        slack=SlackRefs(dm_channel=f"D{i:06d}", dm_ts=f"{i}.000001", card_channel="C0ADMINS", card_ts=f"{i}.000002"),
    )
    ready = base.with_changes(
        state=State.READY,
        url=f"https://{env_name}.example.invalid",
        ready_at=NOW - timedelta(days=10),
        slack=dataclasses.replace(base.slack, ready_ts=f"{i}.000003"),
    )
    slot = i % 20
    if slot < 8:  # 40 %: ready, nothing due for weeks
        return ready.with_changes(expires_at=NOW + timedelta(days=20), due_at=NOW + timedelta(days=18))
    if slot == 8:  # 5 %: the reminder is due
        return ready.with_changes(expires_at=NOW + timedelta(days=1), due_at=NOW - timedelta(hours=1))
    if slot == 9:  # 5 %: expired: a removal pull request to open
        return ready.with_changes(expires_at=NOW - timedelta(minutes=5), due_at=NOW - timedelta(minutes=5))
    if slot in (10, 11):  # 10 %: waiting for approval, half of them for too long
        created = NOW - (timedelta(days=4) if slot == 10 else timedelta(hours=2))
        return base.with_changes(state=State.PENDING_APPROVAL, created_at=created, pull_request=None, files=())
    if slot in (12, 13):  # 10 %: pull request open, under review
        return base.with_changes(state=State.PR_OPEN)
    if slot == 14:  # 5 %: merged, waiting for the cloud
        return base.with_changes(state=State.APPLYING, due_at=NOW - timedelta(seconds=30))
    if slot == 15:  # 5 %: removal pull request open, not due yet
        return ready.with_changes(
            state=State.DELETING,
            due_at=NOW + timedelta(minutes=4),
            pull_request=PullRequestRef(
                i, f"https://example.invalid/pull/{i}", f"notebook-bot/rbench{i:05d}-remove", "remove"
            ),
        )
    return base.with_changes(state=State.DELETED if slot < 18 else State.REJECTED)  # 20 %: ended


def measure(n: int, root: Path, slack: LoopbackSlack) -> list[tuple[float, Counter[str], dict[str, int]]]:
    policy = load_policy(None)
    raw_store = SqliteStore(str(root / "state.db"))
    for i in range(n):
        request = environment(i)
        raw_store.add(request, AuditRecord(request.id, NOW - timedelta(days=10), "bench", "submitted"))
    counts: Counter[str] = Counter()
    store = Counting(raw_store, counts, "store")
    repo = Counting(LocalGitRepo(root / "infra"), counts, "repo")
    vanished = {f"nb-user{i}-bench{i:05d}" for i in range(n) if i % 100 == 7}  # 1 %: deleted outside the bot
    simulated = SimulatedCloud(lambda path: not any(v in path for v in vanished), policy.gcp.region)
    cloud = Counting(simulated, counts, "cloud")
    now = [NOW]
    clock: Callable[[], datetime] = lambda: now[0]  # noqa: E731 - a settable clock
    client = slack_client(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.url}))
    channel = AdminChannel(client, store, policy, clock)  # type: ignore[arg-type]
    notifier = SlackNotifier(client, store, StoredMessageRefs(store), policy, clock, channel)  # type: ignore[arg-type]
    deps = Deps(
        policy=policy,
        store=store,
        repo=repo,
        cloud=cloud,
        notifier=notifier,  # type: ignore[arg-type]
        clock=clock,
        background=Inline(),
        jobs=JobQueue(store, instance="bench", inline=True),
    )
    provisioning = Provisioning(deps)
    reconciler = Reconciler(deps, provisioning)
    Lifecycle(deps, provisioning, SlackReminders(client, store, clock)).install(reconciler)  # type: ignore[arg-type]
    results = []
    for _ in range(2):
        counts.clear()
        slack_before = len(slack.calls())
        started = time.perf_counter()
        report = reconciler.run_once()
        elapsed = time.perf_counter() - started
        results.append(
            (
                elapsed,
                Counter(counts),
                {"slack": len(slack.calls()) - slack_before, "errors": len(report.errors), **report.actions},
            )
        )
        now[0] += timedelta(minutes=1)
    raw_store.close()
    return results


def totals(counts: Counter[str]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for name, value in counts.items():
        out[name.split(".")[0]] += value
    return dict(out)


def main(sizes: list[int]) -> None:
    seen: dict[int, list[tuple[float, Counter[str], dict[str, int]]]] = {}
    with LoopbackSlack() as slack:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
                seen[n] = measure(n, Path(tmp), slack)
    for n, passes in seen.items():
        for label, (elapsed, counts, extra) in zip(("first pass", "next pass"), passes, strict=True):
            t = totals(counts)
            slack_calls = extra.pop("slack")
            print(
                f"{n:>5} environments, {label:<10}: {elapsed * 1000:8.1f} ms · "
                f"store {t.get('store', 0):5d} · repo {t.get('repo', 0):4d} · cloud {t.get('cloud', 0):5d} · "
                f"slack {slack_calls:4d} · {dict(sorted(extra.items()))}"
            )
            print("        " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for index, label in ((0, "first pass"), (1, "next pass")):
            a, b = seen[small][index], seen[large][index]
            calls_a, calls_b = sum(a[1].values()), sum(b[1].values())
            print(
                f"growth {small} → {large} ({label}): time x{b[0] / a[0]:.1f}, "
                f"store+repo+cloud calls x{calls_b / max(calls_a, 1):.1f} "
                f"(environments x{large / small:.0f})"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000])
