"""Every callback, action and block ID in one place (Slack UI and listeners must agree on them)."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/notebook"


class View(StrEnum):
    NEW_REQUEST = "notebook_new_request"
    REJECT_REASON = "notebook_reject_reason"
    CONFIRM_DELETE = "notebook_confirm_delete"
    CONFIRM_WITHDRAW = "notebook_confirm_withdraw"
    HOME = "notebook_home"
    NOTICE = "notebook_notice"


class Action(StrEnum):
    TEMPLATE = "template"
    APPROVE = "approve"
    REJECT = "reject"
    OPEN = "open_jupyterlab"
    START = "start"
    STOP = "stop"
    EXTEND = "extend"
    DELETE = "delete"
    WITHDRAW = "withdraw"
    NEW = "new_notebook"
    RETRY = "retry"


class Field(StrEnum):
    """Block IDs of the request modal; also the keys of inline errors."""

    TEMPLATE = "template"
    DISPLAY_NAME = "display_name"
    IDLE_MINUTES = "idle_minutes"
    LIFETIME_DAYS = "lifetime_days"
    WORKER_COUNT = "worker_count"
    ZONE = "zone"
    REASON = "reason"
    REJECT_REASON = "reject_reason"
