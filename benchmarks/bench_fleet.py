"""The admins' fleet in App Home: time to draw one page (store query, filter, blocks) as the fleet grows, and
the blocks it takes (Slack allows 100 per view). Real SQLite store; no Slack, no Google."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config.load import load_policy  # noqa: E402
from bot.domain.fleet import FleetFilter  # noqa: E402
from bot.domain.people import Person  # noqa: E402
from bot.domain.request import AuditRecord, EnvironmentRequest  # noqa: E402
from bot.domain.states import State  # noqa: E402
from bot.slack.fleet_blocks import fleet_blocks  # noqa: E402
from bot.store.sqlite import SqliteStore  # noqa: E402
from bot.workflow.fleet import Fleet  # noqa: E402

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
STATES = [State.READY] * 6 + [State.PENDING_APPROVAL, State.FAILED, State.DELETED, State.APPLYING]


def seed(store: SqliteStore, count: int) -> None:
    for i in range(count):
        state = STATES[i % len(STATES)]
        request = EnvironmentRequest(
            id="r" + "".join("abcdefghjk"[int(c)] for c in f"{i:09d}"),
            owner_user_id=f"U{i % 300:05d}",
            owner_email=f"user{i % 300}@example.com",
            owner_name=f"User {i % 300}",
            team_id="T0",
            template_id="cpu-small",
            kind="workbench",
            display_name=f"env-{i}",
            reason="",
            idle_minutes=180,
            lifetime_days=30,
            env_name=f"nb-{i}",
            created_at=NOW - timedelta(minutes=i),
            updated_at=NOW,
            state=state,
            ready_at=NOW - timedelta(hours=i % 48) if state == State.READY else None,
            expires_at=NOW + timedelta(days=20) if state == State.READY else None,
            failed_from=State.APPLYING if state == State.FAILED else None,
        )
        store.add(request, AuditRecord(request.id, NOW, "bench", "seeded", None, state.value))


def main() -> None:
    policy = load_policy(None)
    admin = Person(user_id=policy.slack.admins[0], team_id="T0", email="olga@example.com", name="Olga")
    deps: Any = type("Deps", (), {"policy": policy, "clock": staticmethod(lambda: NOW)})()
    for size in (300, 1000, 3000):
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(f"{tmp}/state.db")
            seed(store, size)
            deps.store = store
            fleet = Fleet(deps, cast(Any, None), cast(Any, None))
            times, blocks = [], 0
            for page in range(5):
                started = time.perf_counter()
                drawn = fleet_blocks(fleet.page(admin, FleetFilter(), page), policy, NOW)
                blocks = len([b.to_dict() for b in drawn])
                times.append(time.perf_counter() - started)
            store.close()
        print(
            f"fleet of {size:>5}: one App Home page in {statistics.median(times) * 1000:7.1f} ms (median of 5), "
            f"{blocks} blocks of Slack's 100"
        )


if __name__ == "__main__":
    main()
