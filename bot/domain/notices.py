"""What the bot tells people, as facts: one small frozen dataclass per kind of notice.

The workflow and the domain's rules say *what* happened (this environment, that state, this pull request);
``bot/slack/notices.py`` says it in words, with Slack's markup and people's words escaped. Nothing here knows
Slack. A refusal travels as :class:`bot.domain.errors.Refused` carrying one of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.states import State


@dataclass(frozen=True)
class Link:
    """A pull request (or a pipeline run) people can open."""

    url: str
    number: int = 0


# -- refusals: why something was not done -----------------------------------------------------------------


@dataclass(frozen=True)
class NotReady:
    """Only a ready environment can be ``done`` (``"extended"``, ``"started"``, ``"stopped"``)."""

    name: str
    state: State
    done: str


@dataclass(frozen=True)
class KeptAtMost:
    """An extension past the most the policy allows, counted from when it became ready."""

    name: str
    until: datetime
    max_days: int


@dataclass(frozen=True)
class NotYours:
    """Only its owner or an admin may ``action`` it."""

    name: str
    owner_user_id: str
    action: str


@dataclass(frozen=True)
class CannotOwn:
    """An admin asked on someone's behalf who may not have an environment (``why``: the identity rule's words)."""

    owner_user_id: str
    why: str


@dataclass(frozen=True)
class ChangedMeanwhile:
    """Someone (or something) moved it between reading it and acting on it."""

    name: str


@dataclass(frozen=True)
class DecidedMeanwhile:
    """An admin decided on a pending request while its owner was withdrawing it."""

    name: str


@dataclass(frozen=True)
class NothingToDelete:
    """It cannot be deleted from its state: ``being_deleted``, or its pull request is still ``in_review``."""

    name: str
    state: State
    being_deleted: bool = False
    in_review: bool = False


# -- told to the owner -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotApproved:
    name: str
    request_id: str
    reason: str


@dataclass(frozen=True)
class ApprovalExpired:
    name: str
    request_id: str
    hours: int


@dataclass(frozen=True)
class CreationClosed:
    """The pull request that would have created it was closed without merging."""

    name: str


@dataclass(frozen=True)
class RemovalOpened:
    """A pull request that removes it is open; ``why`` is its end reason (``EndReason``) or a person's words."""

    name: str
    why: str
    pull_request: Link
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RemovalClosed:
    """The pull request that would remove it was closed without merging: it stays."""

    name: str
    pull_request: Link
    past_expiry: bool


@dataclass(frozen=True)
class Deleted:
    """Gone from Google Cloud; ``vanished``: it had gone before, and now its file has gone too."""

    name: str
    vanished: bool


@dataclass(frozen=True)
class PipelineFailed:
    """The infrastructure pipeline (plan or apply) failed while creating or ``removing`` it."""

    name: str
    removing: bool
    error: str


# -- starting and stopping -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerDone:
    """It is ``running`` (with its URL when known) or stopped."""

    name: str
    running: bool
    url: str | None = None


@dataclass(frozen=True)
class PowerAsked:
    """Google accepted the start or stop and is working on it; the outcome comes later."""

    name: str
    running: bool


@dataclass(frozen=True)
class PowerFailed:
    name: str
    running: bool
    cloud_state: str
    detail: str


@dataclass(frozen=True)
class PowerSlow:
    """Still not settled after ``minutes``."""

    name: str
    cloud_state: str
    minutes: int


@dataclass(frozen=True)
class AskedOnBehalf:
    """An admin asked for an environment for this person: it is theirs."""

    name: str
    request_id: str
    admin_user_id: str


# -- told to the admins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFailed:
    """A request failed (retriable); ``run``: the pipeline run that says why, when there is one."""

    request_id: str
    owner_email: str
    reason: str
    run: Link | None = None


@dataclass(frozen=True)
class MergeRefused:
    name: str
    request_id: str
    owner_email: str
    reason: str
    pull_request: Link


@dataclass(frozen=True)
class MassVanishing:
    """Many ready environments missing at once: held back rather than removed."""

    missing: int
    ready: int
    example: str


Notice = (
    NotReady
    | KeptAtMost
    | NotYours
    | CannotOwn
    | ChangedMeanwhile
    | DecidedMeanwhile
    | NothingToDelete
    | NotApproved
    | ApprovalExpired
    | CreationClosed
    | RemovalOpened
    | RemovalClosed
    | Deleted
    | PipelineFailed
    | AskedOnBehalf
    | PowerDone
    | PowerAsked
    | PowerFailed
    | PowerSlow
    | RequestFailed
    | MergeRefused
    | MassVanishing
)
