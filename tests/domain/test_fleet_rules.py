"""What each state allows: the one rule behind the buttons of every row and the server's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cloud.base import ACTIVE, STARTING, STOPPED
from bot.domain import fleet
from bot.domain.fleet import FleetFilter, Power
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def request(state: State, **changes: object) -> EnvironmentRequest:
    base = EnvironmentRequest(
        id="rabcdefghj",
        owner_user_id="U0ALICE",
        owner_email="alice@example.com",
        owner_name="Alice",
        team_id="T0",
        template_id="cpu-small",
        kind="workbench",
        display_name="churn",
        reason="",
        idle_minutes=180,
        lifetime_days=30,
        env_name="nb-alice",
        created_at=NOW,
        updated_at=NOW,
        state=state,
        ready_at=NOW if state == State.READY else None,
        expires_at=NOW + timedelta(days=30) if state == State.READY else None,
    )
    return base.with_changes(**changes)


@pytest.mark.parametrize(
    ("state", "cloud", "changes", "expected"),
    [
        (State.READY, None, {}, ["stop", "extend", "delete"]),
        (State.READY, ACTIVE, {}, ["stop", "extend", "delete"]),
        (State.READY, STOPPED, {}, ["start", "extend", "delete"]),
        (State.READY, STARTING, {}, ["extend", "delete"]),
        (State.APPLYING, None, {}, ["delete"]),
        (State.FAILED, None, {"failed_from": State.APPLYING}, ["delete", "retry"]),
        (State.FAILED, None, {"failed_from": State.APPROVED}, ["retry"]),
        (State.PENDING_APPROVAL, None, {}, []),
        (State.PR_OPEN, None, {}, []),
        (State.DELETED, None, {}, []),
    ],
)
def test_each_state_offers_what_it_allows(
    state: State, cloud: str | None, changes: dict[str, object], expected: list[str]
) -> None:
    assert fleet.allowed_actions(request(state, **changes), cloud) == expected


def test_the_server_checks_with_the_same_rules() -> None:
    ready = request(State.READY)
    assert fleet.may_stop(ready) and fleet.may_start(ready)  # without Google's word, the cloud decides
    assert not fleet.may_start(ready, ACTIVE) and not fleet.may_stop(ready, STOPPED)
    assert not fleet.may_stop(request(State.APPLYING)) and fleet.may_delete(request(State.PENDING_APPROVAL))


def test_bulk_picks_by_how_long_it_ran_or_stayed_stopped() -> None:
    running = request(State.READY)
    stopped = fleet.with_power(request(State.READY, id="rstoppedaa"), Power(STOPPED, NOW, fleet.IDLE))
    later = NOW + timedelta(hours=9)
    assert fleet.running_longer_than([running, stopped], 8, later) == [running]
    assert fleet.stopped_longer_than([running, stopped], 30, NOW + timedelta(days=31)) == [stopped]
    assert fleet.matches(stopped, FleetFilter(stopped_days=7), NOW + timedelta(days=8))
    assert not fleet.matches(running, FleetFilter(stopped_days=7), NOW + timedelta(days=8))
    assert not fleet.matches(request(State.DELETED), FleetFilter(), NOW)  # ended ones only when asked for
    assert fleet.matches(request(State.DELETED), FleetFilter(state="deleted"), NOW)
