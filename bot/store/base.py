"""The store interface. Every write is one transaction; every state change is a compare-and-set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.errors import TryAgainLater
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Step
from bot.store.jobs import Job


class AlreadyExists(Exception):
    """A request with this id is already stored."""


class StoreUnavailable(TryAgainLater):
    """The store did not answer. Usually nothing was written; a commit whose answer was lost may have
    landed, which is why every step is a compare-and-set that a retry (or reconcile) finds already done."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The notebook service cannot reach its database right now, so this did not go through. "
            "Please try again in a minute (a second try never does anything twice)."
        )
        self.detail = detail


@dataclass(frozen=True)
class Claim:
    """A replay claim (``claim_until``'s arguments): ``key`` held from ``at`` until ``until``."""

    key: str
    at: datetime
    until: datetime


@dataclass(frozen=True)
class DirectoryEntry:
    """One answer from Slack's directory, kept so that no lookup waits on Slack before an ack.

    ``key`` is ``user:U…`` (``body`` holds what ``users.info`` said of them) or ``group:S…`` (``body`` holds
    ``{"users": [...]}``); ``fetched_at`` is when Slack said it; ``handle`` is a user's lowercase @handle.
    """

    key: str
    body: dict[str, Any] = field(hash=False)
    fetched_at: datetime
    handle: str | None = None


class Store(Protocol):
    """What the workflow needs from a store. SQLite and Firestore pass the same contract tests."""

    def add(self, request: EnvironmentRequest, audit: AuditRecord) -> None:
        """Stores a new request and its first audit record together; AlreadyExists if the id is taken."""

    def get(self, request_id: str) -> EnvironmentRequest | None:
        """The request, or None."""

    def apply(self, request_id: str, step: Step) -> EnvironmentRequest | None:
        """Runs ``step`` on the current request inside one transaction and writes what it returns.

        Returns the new request, or None when the step declined (it lost a race) or the id is unknown.
        ``step`` may run more than once (a store may retry a conflicting transaction): it must be pure.
        The store bumps ``version`` on every write.
        """

    def find(
        self,
        *,
        owner_user_id: str | None = None,
        states: Iterable[State] | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[EnvironmentRequest]:
        """Requests matching every filter given, oldest first (by ``due_at`` when ``due_before`` is given)."""

    def audit_trail(self, request_id: str) -> list[AuditRecord]:
        """Every audit record of the request, oldest first."""

    def record(self, audit: AuditRecord) -> None:
        """Appends an audit record that is not part of a state change (start, stop, a refused click)."""

    def claim(self, key: str, at: datetime) -> bool:
        """Marks ``key`` as done once: True for the first caller ever, False for every later one."""

    def release(self, key: str) -> None:
        """Forgets a claim whose work failed, so it may be tried again."""

    def claim_until(self, key: str, at: datetime, until: datetime) -> bool:
        """Marks ``key`` as taken from ``at`` until ``until``: True for the first caller, False for every
        other while the claim stands. A claim past its ``until`` counts as gone and is forgotten, so keys
        that only matter for a while (a signed request inside its replay window) do not pile up."""

    def directory_entries(self, keys: Iterable[str]) -> dict[str, DirectoryEntry]:
        """The cached directory entries among ``keys`` (one round trip), by key; unknown keys are left out."""

    def save_directory_entry(self, entry: DirectoryEntry) -> bool:
        """Keeps ``entry`` unless a newer answer (later ``fetched_at``) is stored already; True if it was kept."""

    def directory_by_handle(self, handle: str) -> list[DirectoryEntry]:
        """The cached users whose @handle is ``handle`` (lowercase)."""

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Takes (or renews) the lease ``name`` for ``holder`` until ``now + ttl``: True unless another holder
        has it and it has not run out. Shared by every instance on the store (one reconcile pass at a time)."""

    def drop_lease(self, name: str, holder: str) -> None:
        """Gives the lease back, if ``holder`` still has it."""

    def reserve_slot(
        self, key: str, not_before: float, spacing: float, limits: Sequence[tuple[int, float]] = ()
    ) -> float:
        """Reserves, in one transaction, the earliest instant (epoch seconds) at or after ``not_before`` at
        which one call counted under ``key`` may go out: ``spacing`` seconds after the previous one and within
        every ``(count, seconds)`` limit. Rate budgets shared by every instance (GitHub writes, Slack tiers)."""

    def add_job(self, job: Job, now: float, claim: Claim | None = None) -> bool:
        """Adds ``job`` (due at once, ``now`` in epoch seconds): True if it was not there. A job already
        waiting stays as it is; one being worked on is marked to run once more when it ends. With ``claim``
        (the replay claim of the request the job comes from), the job is added only if the claim is taken
        (``claim_until``) — in the same write where the store can — and False otherwise."""

    def take_jobs(self, holder: str, room: Mapping[str, int], now: float, lease: float) -> list[Job]:
        """Takes up to ``room[lane]`` due jobs of each lane for ``holder`` until ``now + lease``, oldest first.
        Due: waiting, or held by a holder whose lease ran out (a worker that died)."""

    def renew_jobs(self, holder: str, keys: Iterable[str], until: float) -> None:
        """Extends ``holder``'s lease on the jobs it is still working on."""

    def finish_job(self, key: str, holder: str, now: float) -> bool:
        """Removes the job ``holder`` finished; True if it was asked for again meanwhile and is due again."""

    def release_jobs(self, holder_prefix: str, now: float) -> int:
        """Makes due at once every job held by a holder whose name starts with ``holder_prefix``."""

    def waiting_jobs(self) -> int:
        """How many jobs are in the store, waiting or being worked on."""

    def ping(self) -> None:
        """Raises StoreUnavailable if the store cannot be reached."""

    def close(self) -> None:
        """Releases connections."""
