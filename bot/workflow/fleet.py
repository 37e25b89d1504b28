"""The fleet as admins run it: every environment a page at a time, filtered; bulk stop and delete; several
approvals at once. Each bulk item goes through the same server-side checks and audit as one click."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from bot.domain import fleet, rules
from bot.domain.errors import NotebookBotError, Refused
from bot.domain.fleet import FleetFilter
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from bot.domain.states import FINAL, State
from bot.domain.transitions import note
from bot.workflow.governance import list_order
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.ports import Deps
from bot.workflow.requests import Requests

log = logging.getLogger(__name__)

Bulk = Literal["stop", "delete"]
_STATES = {s.value for s in State}


@dataclass(frozen=True)
class FleetPage:
    """One page of the fleet as filtered, and what the bulk actions and approvals would take."""

    rows: list[EnvironmentRequest]
    page: int  # from 0
    pages: int
    total: int
    wanted: FleetFilter
    pending: list[EnvironmentRequest] = field(default_factory=list)
    bulk_stop: int = 0
    bulk_delete: int = 0


@dataclass
class BulkOutcome:
    """What a bulk action did: each environment done, and each one left alone with the reason."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def paged(items: list[EnvironmentRequest], page: int, size: int) -> tuple[list[EnvironmentRequest], int, int]:
    """The rows of ``page`` (clamped to the last one), that page, and how many pages there are."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


class Fleet:
    """What only admins do with the whole fleet; every method refuses anyone else."""

    def __init__(self, deps: Deps, lifecycle: Lifecycle, requests: Requests) -> None:
        self.deps = deps
        self.lifecycle = lifecycle
        self.requests = requests

    def _admin(self, person: Person, what: str) -> None:
        if not rules.is_admin(person, self.deps.policy):
            raise Refused(f"Only notebook admins can {what}.")

    def team_members(self, team_name: str) -> set[str]:
        """A policy team's members: its users and, as the directory last saw them, its user groups'."""
        team = next((t for t in self.deps.policy.identity.teams if t.name == team_name), None)
        if team is None:
            return set()
        members = set(team.users)
        entries = self.deps.store.directory_entries([f"group:{g}" for g in team.usergroups])
        for entry in entries.values():
            members |= {str(u) for u in entry.body.get("users") or []}
        return members

    def page(self, admin: Person, wanted: FleetFilter, page: int) -> FleetPage:
        """One page of environments matching ``wanted`` (stored states: asking Google for all would be slow)."""
        d = self.deps
        self._admin(admin, "see every environment")
        now = d.clock()
        # One query: the page, the approvals and the bulk counts all come from it. Ended requests (a history
        # that only grows) are read only when the admin asks for that state.
        states = {s for s in State if s not in FINAL} | ({State(wanted.state)} if wanted.state in _STATES else set())
        everyone = d.store.find(states=states)
        members = self.team_members(wanted.team) if wanted.team else None
        matching = sorted((r for r in everyone if fleet.matches(r, wanted, now, members)), key=list_order)
        rows, page, pages = paged(matching, page, d.policy.fleet.page_size)
        return FleetPage(
            rows=rows,
            page=page,
            pages=pages,
            total=len(matching),
            wanted=wanted,
            pending=sorted((r for r in everyone if r.state == State.PENDING_APPROVAL), key=list_order),
            bulk_stop=len(self._candidates("stop", everyone)),
            bulk_delete=len(self._candidates("delete", everyone)),
        )

    def candidates(self, kind: Bulk, admin: Person | None = None) -> list[EnvironmentRequest]:
        """Who a bulk action takes now: running longer than the policy's hours, or stopped longer than its days."""
        if admin is not None:
            self._admin(admin, f"{kind} environments in bulk")
        return self._candidates(kind, self.deps.store.find(states=[State.READY]))

    def _candidates(self, kind: Bulk, requests: list[EnvironmentRequest]) -> list[EnvironmentRequest]:
        d = self.deps
        ready = [r for r in requests if r.state == State.READY]
        f = d.policy.fleet
        if kind == "stop":
            return fleet.running_longer_than(ready, f.bulk_stop_running_hours, d.clock())
        return fleet.stopped_longer_than(ready, f.bulk_delete_stopped_days, d.clock())

    def bulk(self, admin: Person, kind: Bulk, request_ids: list[str]) -> BulkOutcome:
        """Stops or deletes each confirmed environment that still qualifies, one audited action each."""
        d = self.deps
        self._admin(admin, f"{kind} environments in bulk")
        still = {r.id for r in self.candidates(kind)}
        outcome = BulkOutcome()
        for request_id in request_ids:
            request = d.store.get(request_id)
            name = request.display_name if request else request_id
            if request is None or request_id not in still:
                outcome.skipped.append(f"{name}: changed since you confirmed")
                continue
            try:
                d.store.record(
                    note(
                        request,
                        actor=admin.user_id,
                        at=d.clock(),
                        action=f"bulk {kind}",
                        detail=f"one of {len(request_ids)} confirmed together",
                    )
                )
                if kind == "stop":
                    self.lifecycle.stop(admin, request_id, lambda text: None)  # the summary says it
                else:
                    self.lifecycle.delete(admin, request_id)
                outcome.done.append(name)
            except NotebookBotError as e:
                outcome.skipped.append(f"{name}: {e.message}")
            except Exception:  # one environment must not stop the others
                log.exception("bulk %s of %s failed", kind, request_id)
                outcome.skipped.append(f"{name}: failed unexpectedly (logged)")
        return outcome

    def approve_many(self, admin: Person, request_ids: list[str]) -> BulkOutcome:
        """Approves each selected request with the same checks as its card's button (self-approval too)."""
        self._admin(admin, "approve requests")
        outcome = BulkOutcome()
        for request_id in request_ids:
            try:
                request, won = self.requests.approve(request_id, admin)
            except NotebookBotError as e:
                outcome.skipped.append(f"`{request_id}`: {e.message}")
                continue
            if won:
                outcome.done.append(request.display_name)
            else:
                outcome.skipped.append(f"{request.display_name}: already {request.state.label}")
        return outcome
