"""An environment request: what a user asked for, and where it is in its life."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain.states import State

_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: ids get read aloud and typed


def new_request_id() -> str:
    """A short, unguessable, lowercase id such as ``r7k3m9qx2a`` (safe in branch and resource names)."""
    return "r" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def utc(ts: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are taken as UTC."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def iso(ts: datetime | None) -> str | None:
    """One fixed-width text form for instants, so that stored values sort as times do."""
    return None if ts is None else utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return utc(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ"))


@dataclass(frozen=True)
class PullRequestRef:
    """The pull request that carries a change of this environment's files."""

    number: int
    url: str
    branch: str
    purpose: str = "create"  # or "remove"
    merge_sha: str = ""  # the merged commit: where the apply reports (commit status notebook-bot/apply)
    merged_by: str = ""  # "notebook-bot" when the bot merged it (repo.merge: when_checks_pass)
    merge_refused: str = ""  # why the host refused the bot's merge: left for a person
    reported: str = ""  # the failed plan or apply status already acted on, so that a Retry does not act on it again


@dataclass(frozen=True)
class SlackRefs:
    """Where the bot's messages about this request are, so they can be updated in place."""

    dm_channel: str | None = None
    dm_ts: str | None = None
    card_channel: str | None = None
    card_ts: str | None = None
    ready_ts: str | None = None  # the message with the URL
    alert_ts: str | None = None  # the admins' alert about the current failure


@dataclass(frozen=True)
class EnvironmentRequest:
    """One user's request for one environment, from submission to deletion."""

    id: str
    owner_user_id: str
    owner_email: str
    owner_name: str
    team_id: str
    template_id: str
    kind: str
    display_name: str
    reason: str
    idle_minutes: int
    lifetime_days: int
    env_name: str
    created_at: datetime
    updated_at: datetime
    state: State = State.PENDING_APPROVAL
    version: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decision_reason: str | None = None
    pull_request: PullRequestRef | None = None
    files: tuple[str, ...] = ()
    url: str | None = None
    console_url: str | None = None
    ready_at: datetime | None = None
    expires_at: datetime | None = None
    reminded_at: datetime | None = None
    due_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    failed_from: State | None = None
    end_reason: str | None = None
    slack: SlackRefs = SlackRefs()

    def with_changes(self, **changes: Any) -> EnvironmentRequest:
        return dataclasses.replace(self, **changes)

    def to_record(self) -> dict[str, Any]:
        """A JSON-friendly record, the same for every store (times as fixed-width UTC text)."""
        record: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = iso(value)
            elif isinstance(value, State):
                value = value.value
            elif isinstance(value, PullRequestRef | SlackRefs):
                value = dataclasses.asdict(value)
            elif isinstance(value, tuple):
                value = list(value)
            record[f.name] = value
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> EnvironmentRequest:
        values = dict(record)
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in values.items() if k in known}
        for name in ("created_at", "updated_at", "ready_at", "expires_at", "reminded_at", "due_at"):
            values[name] = parse_iso(values.get(name))
        values["state"] = State(values["state"])
        if values.get("failed_from"):
            values["failed_from"] = State(values["failed_from"])
        if values.get("pull_request"):
            values["pull_request"] = PullRequestRef(**values["pull_request"])
        slack = dict(values.get("slack") or {})
        # Records written before ready_ts/alert_ts existed had their messages sent: say so, or reconcile
        # would take them for lost and send them again.
        for ref, state in (("ready_ts", State.READY), ("alert_ts", State.FAILED)):
            if ref not in slack and values["state"] == state:
                slack[ref] = "before-recorded"
        values["slack"] = SlackRefs(**slack)
        values["files"] = tuple(values.get("files") or ())
        values["options"] = dict(values.get("options") or {})
        return cls(**values)


@dataclass(frozen=True)
class AuditRecord:
    """One thing that happened to a request, who did it and when. Never updated, never deleted."""

    request_id: str
    at: datetime
    actor: str
    action: str
    from_state: str | None = None
    to_state: str | None = None
    detail: str = ""

    @property
    def key(self) -> str:
        """A stable id: the same event written twice (a retried transaction) is one record."""
        return f"{self.request_id}-{iso(self.at)}-{self.action}-{self.actor}"

    def to_record(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["at"] = iso(self.at)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AuditRecord:
        values = {k: record.get(k) for k in ("request_id", "actor", "action", "from_state", "to_state")}
        at = parse_iso(record["at"])
        assert at is not None
        return cls(at=at, detail=record.get("detail") or "", **values)  # type: ignore[arg-type]
