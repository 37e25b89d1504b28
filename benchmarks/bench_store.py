"""How fast each store adds, moves and finds requests, and how many store calls one slash command costs.

Run: python benchmarks/bench_store.py [--n 300]. Firestore is measured on the local emulator when gcloud is
installed (the emulator runs on this machine, so its numbers say little about production latency, which is
dominated by the network round trips: add = 1 commit, apply = 1 read + 1 commit, find = 1 query).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.states import State
from bot.domain.transitions import step_to
from bot.store.base import Store
from bot.store.sqlite import SqliteStore
from tests.store.examples import a_request, at, submitted


class CountingStore:
    """A Store that counts the calls made to each of its methods, then passes them on."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return counted


def approve(store: Store, request_id: str) -> None:
    """The store side of an admin's Approve click: one compare-and-set."""
    store.apply(request_id, step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor="U0ADMIN1", at=at(5)))


def rate(count: int, work: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for i in range(count):
        work(i)
    return count / (time.perf_counter() - started)


def measure(name: str, store: Store, n: int) -> None:
    owners = [f"U0USER{i % 20:02d}" for i in range(n)]
    requests = [a_request(f"rbench{i:05d}", owner_user_id=owners[i], created_at=at(i)) for i in range(n)]
    ids = [r.id for r in requests]
    add = rate(n, lambda i: store.add(requests[i], submitted(requests[i])))
    apply = rate(n, lambda i: approve(store, ids[i]))
    declined = rate(n, lambda i: approve(store, ids[i]))  # a second click: the step declines
    find_owner = rate(n // 3, lambda i: store.find(owner_user_id=owners[i % 20]))
    find_state = rate(n // 3, lambda i: store.find(states=[State.APPROVED, State.READY], limit=50))
    print(
        f"{name:9} add {add:8.0f}/s   apply {apply:8.0f}/s   apply (declined) {declined:8.0f}/s   "
        f"find by owner {find_owner:7.0f}/s   find by state (50) {find_state:7.0f}/s   [n={n}]"
    )


def calls_per_command(name: str, store: Store, tmp: Path) -> None:
    """Store calls the real app makes (listeners and the work after the ack), counted per Slack action."""
    from tests.support.harness import ADMIN, ALICE, running_bot

    counting = CountingStore(store)
    with running_bot(tmp, counting) as bot:  # type: ignore[arg-type]
        steps: list[tuple[str, Callable[[], object]]] = [
            ("/notebook new (opens the form)", lambda: bot.send.command(ALICE.id, "new")),
            ("form submitted", lambda: bot.ask(ALICE, "cpu-small", "counted")),
            ("Approve click (+ opening the PR)", lambda: bot.approve(store.find(owner_user_id=ALICE.id)[0].id, ADMIN)),
            ("/notebook status", lambda: bot.send.command(ALICE.id, "status")),
        ]
        for label, action in steps:
            bot.settle()
            counting.calls.clear()
            action()
            bot.settle()
            calls = dict(sorted(counting.calls.items()))
            print(f"{name:9} store operations for {label:34} {sum(calls.values()):3}  {calls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="requests per measurement")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(str(Path(tmp) / "state.db"))
        measure("sqlite", sqlite, n)
        sqlite.close()
        calls_per_command("sqlite", SqliteStore(str(Path(tmp) / "counted.db")), Path(tmp) / "sqlite-app")
        gcloud = shutil.which("gcloud")
        if gcloud is None:
            print("firestore: skipped, gcloud (Firestore emulator) is not installed")
            return
        from tests.support.firestore import FirestoreEmulator, unique_project

        emulator = FirestoreEmulator(gcloud, Path(tmp))
        emulator.start()
        try:
            firestore = emulator.store(unique_project())
            firestore.ping()  # the emulator's first answers are slow while its JVM warms up
            measure("firestore", firestore, n)
            firestore.close()
            calls_per_command("firestore", emulator.store(unique_project()), Path(tmp) / "firestore-app")
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()
