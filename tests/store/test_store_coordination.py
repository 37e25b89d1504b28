"""Leases and rate budgets in the store: several instances (here, several store objects with connections of
their own, and threads racing) behave as one, on SQLite and on Firestore."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config.load import load_policy
from bot.infra.pacing import Pacer
from bot.infra.shared_budget import SharedBudget
from bot.store.base import Store
from bot.workflow.jobs import JobQueue
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.reconcile import Reconciler, ReconcileReport
from tests.store.conftest import Backend

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def race(n: int, fn: Callable[[int], object]) -> list[object]:
    """Runs ``fn(0..n-1)`` in ``n`` threads released at once; their results in order."""
    start = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        start.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_a_lease_has_one_holder_until_it_is_given_back_or_runs_out(backend: Backend) -> None:
    one, other = backend.open(), backend.open()
    assert one.take_lease("reconcile", "instance-a", NOW, TTL)
    assert not other.take_lease("reconcile", "instance-b", NOW + timedelta(minutes=1), TTL)
    assert one.take_lease("reconcile", "instance-a", NOW + timedelta(minutes=1), TTL)  # renewed by its holder
    other.drop_lease("reconcile", "instance-b")  # not its lease: nothing changes
    assert not other.take_lease("reconcile", "instance-b", NOW + timedelta(minutes=2), TTL)
    one.drop_lease("reconcile", "instance-a")
    assert other.take_lease("reconcile", "instance-b", NOW + timedelta(minutes=2), TTL)


def test_a_lease_whose_holder_vanished_is_taken_once_it_runs_out(store: Store) -> None:
    assert store.take_lease("reconcile", "crashed", NOW, TTL)
    assert not store.take_lease("reconcile", "next", NOW + TTL - timedelta(seconds=1), TTL)
    assert store.take_lease("reconcile", "next", NOW + TTL + timedelta(seconds=1), TTL)


def test_instances_asking_for_a_lease_at_once_get_it_once(backend: Backend) -> None:
    stores = [backend.open(), backend.open()]
    won = race(10, lambda i: stores[i % 2].take_lease("reconcile", f"instance-{i}", NOW, TTL))
    assert won.count(True) == 1, won


def test_slots_reserved_at_once_by_several_instances_are_spaced_and_within_the_limit(backend: Backend) -> None:
    stores = [backend.open(), backend.open()]
    spacing, limit, window = 0.5, 5, 10.0
    slots = race(16, lambda i: stores[i % 2].reserve_slot("github-writes", 1000.0, spacing, [(limit, window)]))
    instants = sorted(float(s) for s in slots)  # type: ignore[arg-type]
    assert len(set(instants)) == 16
    assert all(b - a >= spacing - 1e-9 for a, b in itertools.pairwise(instants))
    for i in range(len(instants) - limit):  # never more than `limit` slots within any `window` seconds
        assert instants[i + limit] - instants[i] >= window - 1e-9, instants
    assert instants[0] == 1000.0


def test_budgets_under_different_keys_do_not_share_slots(store: Store) -> None:
    assert store.reserve_slot("slack-update:C1", 50.0, 1.2) == 50.0
    assert store.reserve_slot("slack-update:C2", 50.0, 1.2) == 50.0
    assert store.reserve_slot("slack-update:C1", 50.0, 1.2) == 51.2
    assert store.reserve_slot("slack-update:C1", 60.0, 1.2) == 60.0  # a quiet spell: at once again


def reconciler_on(store: Store) -> Reconciler:
    """A reconciler of one instance on ``store`` (an empty store: the pass touches nothing else)."""
    nothing: Any = None
    deps = Deps(
        policy=load_policy(None, trial_render=False),
        store=store,
        repo=nothing,
        cloud=nothing,
        notifier=nothing,
        clock=lambda: datetime.now(UTC),
        background=nothing,
        jobs=JobQueue(store, instance="test", inline=True),
    )
    return Reconciler(deps, Provisioning(deps), events=nothing)


def test_two_instances_asked_to_reconcile_at_once_run_one_pass(backend: Backend) -> None:
    first, second = reconciler_on(backend.open()), reconciler_on(backend.open())
    in_pass, finish = threading.Event(), threading.Event()
    passes: list[str] = []

    def slow_step(_: ReconcileReport) -> None:
        passes.append("first")
        in_pass.set()
        assert finish.wait(30), "the test never let the first pass finish"

    first.each_pass(slow_step)
    second.each_pass(lambda _: passes.append("second"))
    reports: list[ReconcileReport] = []
    running = threading.Thread(target=lambda: reports.append(first.run_once()))
    running.start()
    assert in_pass.wait(30), "the first pass did not start"
    skipped = second.run_once()
    finish.set()
    running.join(30)
    assert skipped.skipped and skipped.summary() == "reconcile skipped: another instance is running a pass"
    assert passes == ["first"] and not reports[0].skipped
    assert not second.run_once().skipped  # the lease was given back: the next pass runs
    assert passes == ["first", "second"]


class FakeTime:
    """One clock for every instance in the test; sleeping moves it on."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_two_instances_writing_with_one_github_identity_keep_its_pace_together(backend: Backend) -> None:
    clock = FakeTime()
    pacers = [
        Pacer(
            clock=clock,
            sleep=clock.sleep,
            shared=SharedBudget(backend.open(), "github-writes:bot", 80, 500, wall=clock).delay,
        )
        for _ in range(2)
    ]
    sent: list[float] = []
    for i in range(100):  # the two instances take turns, each on its own would not wait at all at first
        pacers[i % 2].write(lambda: sent.append(clock()))
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 60 / 80 - 1e-6  # spread as one writer's would be: 0.75 s apart
    assert max(sum(1 for t in sent if start <= t < start + 60) for start in sent) <= 80
