"""The ``fleet`` section of the policy: the times behind reminders, nudges, bulk actions and paging."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config.parts import _SLACK_GROUP, _Strict


class FleetPolicy(_Strict):
    """Every key has a default, so a policy file without ``fleet:`` is accepted as it is."""

    page_size: int = Field(default=15, ge=5, le=25)  # rows per page of App Home and /notebook list
    running_nudge_hours: int = Field(default=12, ge=1)  # one nudge, with the running cost, past this
    bulk_stop_running_hours: int = Field(default=8, ge=1)  # "stop all running for more than 8 hours"
    bulk_delete_stopped_days: int = Field(default=30, ge=1)  # "delete all stopped for more than 30 days"
    approval_reminder_hours: int = Field(default=4, ge=1)  # a pending request reminds the admins after this
    approval_escalation_hours: int = Field(default=12, ge=1)  # and once more this long before it expires
    oncall_usergroup: str | None = None  # reminders go to its members by DM instead of every admin

    @field_validator("oncall_usergroup")
    @classmethod
    def _group(cls, v: str | None) -> str | None:
        if v is not None and not _SLACK_GROUP.match(v):
            raise ValueError("must be a Slack user group ID such as S0ONCALL")
        return v
