"""A Slack user as the policy sees them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """Who clicked or typed: from ``users.info`` (with ``users:read.email``) and their user groups."""

    user_id: str
    team_id: str
    email: str | None = None
    name: str = ""
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    deleted: bool = False
    is_bot: bool = False
    usergroups: frozenset[str] = field(default_factory=frozenset)
    # The IANA time zone name Slack holds for them (``users.info`` ``tz``), for times written as plain text.
    tz: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.is_restricted or self.is_ultra_restricted

    @property
    def domain(self) -> str:
        return (self.email or "").rpartition("@")[2].lower()
