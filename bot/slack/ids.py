"""Every callback, action and block ID in one place (Slack UI and listeners must agree on them)."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/notebook"
# In a Slack request's Bolt context: its replay claim, taken with the job its listener leaves (serve; the gate in
# bot/web/slack_gate.py decides which requests, bot/slack/lazy_jobs.py writes it).
REPLAY_CLAIM = "replay_claim"


class View(StrEnum):
    NEW_REQUEST = "notebook_new_request"
    REJECT_REASON = "notebook_reject_reason"
    CONFIRM_DELETE = "notebook_confirm_delete"
    CONFIRM_WITHDRAW = "notebook_confirm_withdraw"
    HOME = "notebook_home"
    NOTICE = "notebook_notice"
    CONFIRM_BULK = "notebook_confirm_bulk"


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
    # The admins' fleet in App Home, and the pages of /notebook list.
    FLEET_STATE = "fleet_state"
    FLEET_TEMPLATE = "fleet_template"
    FLEET_OWNER = "fleet_owner"
    FLEET_TEAM = "fleet_team"
    FLEET_STOPPED = "fleet_stopped_days"
    FLEET_CLEAR = "fleet_clear"
    FLEET_PAGE = "fleet_page"
    FLEET_BULK_STOP = "fleet_bulk_stop"
    FLEET_BULK_DELETE = "fleet_bulk_delete"
    FLEET_PICK_PENDING = "fleet_pick_pending"
    FLEET_APPROVE_PICKED = "fleet_approve_picked"
    LIST_PAGE = "list_page"


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
