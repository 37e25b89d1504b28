"""The fleet as pure rules: what each state allows, how long an environment has run or been stopped, which
environments a filter or a bulk action picks. Buttons are chosen with these, and the server checks with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.cloud.base import ACTIVE, STOPPED
from bot.domain.request import EnvironmentRequest, iso, parse_iso
from bot.domain.states import FINAL, State

# Where removal may start from: a ready environment, one still being created, or one whose creation or
# removal failed (its resources may exist); a pending request is withdrawn instead.
_REMOVABLE = frozenset({State.READY, State.APPLYING})
_REMOVABLE_AFTER_FAILURE = frozenset({State.APPLYING, State.DELETING})

# ``options`` key of the last power state the bot saw: {"state": ACTIVE|STOPPED, "since": iso, "by": who}.
POWER = "power"
IDLE = "idle"  # ``by`` when Google stopped it on its own (idle shutdown)
OUTSIDE = "outside"  # ``by`` when it was started outside the bot (the Cloud console)


def may_start(request: EnvironmentRequest, cloud_state: str | None = None) -> bool:
    """A ready environment not known to be running (the server does not wait on Google to say)."""
    return request.state == State.READY and cloud_state in (None, STOPPED)


def may_stop(request: EnvironmentRequest, cloud_state: str | None = None) -> bool:
    """A ready environment not known to be stopped or on its way somewhere."""
    return request.state == State.READY and cloud_state in (None, ACTIVE)


def may_extend(request: EnvironmentRequest) -> bool:
    return request.state == State.READY and request.expires_at is not None


def may_delete(request: EnvironmentRequest) -> bool:
    """Removal (or, while pending, withdrawal) may start from here."""
    return (
        request.state in _REMOVABLE
        or request.state == State.PENDING_APPROVAL
        or (request.state == State.FAILED and request.failed_from in _REMOVABLE_AFTER_FAILURE)
    )


def may_retry(request: EnvironmentRequest) -> bool:
    return request.state == State.FAILED and request.failed_from is not None


def allowed_actions(request: EnvironmentRequest, cloud_state: str | None = None) -> list[str]:
    """The actions a row offers, in the order people read them: start|stop, extend, delete, retry.

    Start shows only once Google (or the bot's last look) says it is stopped; while it is starting or
    stopping, neither shows."""
    actions = []
    if request.state == State.READY:
        if cloud_state == STOPPED:
            actions.append("start")
        elif may_stop(request, cloud_state):
            actions.append("stop")
    if may_extend(request):
        actions.append("extend")
    if may_delete(request) and request.state != State.PENDING_APPROVAL:
        actions.append("delete")
    if may_retry(request):
        actions.append("retry")
    return actions


@dataclass(frozen=True)
class Power:
    """The last power state the bot saw of a ready environment, since when, and who caused it."""

    state: str
    since: datetime
    by: str


def power(request: EnvironmentRequest) -> Power | None:
    """What ``options`` remember; a ready environment never seen stopped has run since it became ready."""
    raw: Any = request.options.get(POWER)
    if isinstance(raw, dict) and raw.get("state") and raw.get("since"):
        since = parse_iso(str(raw["since"]))
        if since is not None:
            return Power(str(raw["state"]), since, str(raw.get("by") or ""))
    if request.state == State.READY and request.ready_at is not None:
        return Power(ACTIVE, request.ready_at, "")
    return None


def with_power(request: EnvironmentRequest, seen: Power) -> EnvironmentRequest:
    record = {"state": seen.state, "since": iso(seen.since), "by": seen.by}
    return request.with_changes(options={**request.options, POWER: record})


def running_for(request: EnvironmentRequest, now: datetime) -> timedelta | None:
    seen = power(request)
    if request.state != State.READY or seen is None or seen.state != ACTIVE:
        return None
    return now - seen.since


def stopped_for(request: EnvironmentRequest, now: datetime) -> timedelta | None:
    seen = power(request)
    if request.state != State.READY or seen is None or seen.state != STOPPED:
        return None
    return now - seen.since


@dataclass(frozen=True)
class FleetFilter:
    """What an admin chose to see: a state, a template, an owner or team, stopped for more than N days."""

    state: str = ""  # a State value, or "" for every live one
    template: str = ""
    owner: str = ""  # a Slack user id
    team: str = ""  # a team name of the policy
    stopped_days: int = 0

    def to_record(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FleetFilter:
        days = record.get("stopped_days") or 0
        return cls(
            state=str(record.get("state") or ""),
            template=str(record.get("template") or ""),
            owner=str(record.get("owner") or ""),
            team=str(record.get("team") or ""),
            stopped_days=int(days) if str(days).isdigit() else 0,
        )


def matches(
    request: EnvironmentRequest, wanted: FleetFilter, now: datetime, team_members: Iterable[str] | None = None
) -> bool:
    """Whether the request is one the filter shows (without a state, ended ones are left out)."""
    if wanted.state:
        if request.state.value != wanted.state:
            return False
    elif request.state in FINAL:
        return False
    if wanted.template and request.template_id != wanted.template:
        return False
    if wanted.owner and request.owner_user_id != wanted.owner:
        return False
    if wanted.team and (team_members is None or request.owner_user_id not in set(team_members)):
        return False
    if wanted.stopped_days:
        stopped = stopped_for(request, now)
        if stopped is None or stopped < timedelta(days=wanted.stopped_days):
            return False
    return True


def running_longer_than(requests: Iterable[EnvironmentRequest], hours: int, now: datetime) -> list[EnvironmentRequest]:
    """Bulk stop: ready environments running for more than ``hours``."""
    out = []
    for r in requests:
        running = running_for(r, now)
        if running is not None and running > timedelta(hours=hours):
            out.append(r)
    return out


def stopped_longer_than(requests: Iterable[EnvironmentRequest], days: int, now: datetime) -> list[EnvironmentRequest]:
    """Bulk delete: ready environments stopped for more than ``days``."""
    out = []
    for r in requests:
        stopped = stopped_for(r, now)
        if stopped is not None and stopped > timedelta(days=days) and may_delete(r):
            out.append(r)
    return out
