"""Blocks of the admins' fleet in App Home and of ``/notebook list``'s pages. Pure builders, no I/O.

A page holds at most ``fleet.page_size`` rows, so a fleet of any size fits Slack's 100 blocks per view; the
pager says where the admin is ("page 2 of 19, 276 match"), never a silent "…and 276 more"."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    StaticSelectElement,
    UserSelectElement,
)

from bot.config.policy import Policy
from bot.domain import fleet
from bot.domain.fleet import FleetFilter
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.slack.ids import Action
from bot.slack.texts import context, fit, section, words
from bot.workflow.fleet import FleetPage

ANY = "any"  # Slack refuses an empty option value
STOPPED_DAYS = (1, 7, 30, 90)
PICKS_PER_BLOCK = 10  # Slack's limit of options in one checkbox group
PICK_BLOCKS = 3  # so at most 30 pending requests are offered for approving at once
BUTTONS = {  # what each allowed action looks like as a button
    "start": ("Start", Action.START, "primary"),
    "stop": ("Stop", Action.STOP, None),
    "extend": ("Extend", Action.EXTEND, None),
    "delete": ("Delete", Action.DELETE, "danger"),
    "retry": ("Retry", Action.RETRY, None),
}


@dataclass(frozen=True)
class FleetState:
    """What the admin is looking at, kept in the Home view's ``private_metadata`` between clicks."""

    wanted: FleetFilter = field(default_factory=FleetFilter)
    page: int = 0

    def dump(self) -> str:
        return json.dumps({"f": self.wanted.to_record(), "p": self.page})

    @classmethod
    def parse(cls, text: str | None) -> FleetState:
        try:
            raw: Any = json.loads(text or "{}")
            return cls(FleetFilter.from_record(dict(raw.get("f") or {})), int(raw.get("p") or 0))
        except (ValueError, TypeError, AttributeError):  # someone else's metadata, or none: start over
            return cls()


def _option(text: str, value: str) -> Option:
    return Option(text=fit(text, 75), value=value or ANY)


def _select(action: Action, placeholder: str, options: list[Option], current: str) -> StaticSelectElement:
    chosen = next((o for o in options if o.value == (current or ANY)), None)
    return StaticSelectElement(
        action_id=action.value, placeholder=placeholder, options=options[:100], initial_option=chosen
    )


def filter_block(wanted: FleetFilter, policy: Policy) -> ActionsBlock:
    """State, template, owner, team, stopped for more than N days, and Clear."""
    states = [_option("Every live one", ANY)] + [_option(s.label, s.value) for s in State]
    templates = [_option("Any template", ANY)] + [_option(t.id, t.id) for t in policy.templates]
    days = [_option("Stopped or not", ANY)] + [_option(f"Stopped > {n} days", str(n)) for n in STOPPED_DAYS]
    owner = UserSelectElement(
        action_id=Action.FLEET_OWNER.value, placeholder="Owner", initial_user=wanted.owner or None
    )
    elements: list[Any] = [
        _select(Action.FLEET_STATE, "State", states, wanted.state),
        _select(Action.FLEET_TEMPLATE, "Template", templates, wanted.template),
        owner,
    ]
    if policy.identity.teams:
        teams = [_option("Any team", ANY)] + [_option(t.name, t.name) for t in policy.identity.teams]
        elements.append(_select(Action.FLEET_TEAM, "Team", teams, wanted.team))
    stopped = str(wanted.stopped_days) if wanted.stopped_days else ""
    elements.append(_select(Action.FLEET_STOPPED, "Stopped for", days, stopped))
    elements.append(ButtonElement(text="Clear filters", action_id=Action.FLEET_CLEAR.value, value="clear"))
    return ActionsBlock(block_id="fleet:filters", elements=elements)


def _age(request: EnvironmentRequest, now: datetime) -> str:
    stopped = fleet.stopped_for(request, now)
    if stopped is not None:
        return f"stopped {stopped.days} d" if stopped.days else f"stopped {stopped.seconds // 3600} h"
    running = fleet.running_for(request, now)
    if running is not None:
        return f"running {running.days} d" if running.days >= 2 else f"running {int(running.total_seconds() // 3600)} h"
    return ""


def row_blocks(request: EnvironmentRequest, now: datetime) -> list[Block]:
    """One environment: a line, and the buttons its state allows (the server checks each click again)."""
    age = _age(request, now)
    line = (
        f"*{words(request.display_name)}* · `{request.id}` · <@{request.owner_user_id}> · "
        f"{words(request.template_id)} · *{request.state.label}*" + (f" · {age}" if age else "")
    )
    if request.state == State.FAILED and request.last_error:
        line += f"\n_{words(request.last_error)}_"
    seen = fleet.power(request)
    buttons = []
    for name in fleet.allowed_actions(request, seen.state if seen else None):
        text, action, style = BUTTONS[name]
        buttons.append(ButtonElement(text=text, action_id=action.value, value=request.id, style=style))
    blocks: list[Block] = [section(fit(line, 3000))]
    if buttons:
        blocks.append(ActionsBlock(block_id=f"fleet:{request.id}", elements=buttons))
    return blocks


def pager_blocks(page: int, pages: int, total: int, action: Action, extra: dict[str, Any] | None = None) -> list[Block]:
    """Where the admin is, and Previous / Next (their value carries the page to show)."""
    blocks: list[Block] = [context(f"Page {page + 1} of {pages} · {total} match")]
    buttons = []
    for label, to, direction in (("← Previous", page - 1, "prev"), ("Next →", page + 1, "next")):
        if 0 <= to < pages:
            value = json.dumps({**(extra or {}), "p": to})
            buttons.append(ButtonElement(text=label, action_id=f"{action.value}:{direction}", value=fit(value, 2000)))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"{action.value}:pages", elements=buttons))
    return blocks


def bulk_block(page: FleetPage, policy: Policy) -> Block:
    f = policy.fleet
    buttons = []
    if page.bulk_stop:
        text = f"Stop {page.bulk_stop} running > {f.bulk_stop_running_hours} h"
        buttons.append(ButtonElement(text=text, action_id=Action.FLEET_BULK_STOP.value, value="stop"))
    if page.bulk_delete:
        text = f"Delete {page.bulk_delete} stopped > {f.bulk_delete_stopped_days} d"
        buttons.append(
            ButtonElement(text=text, action_id=Action.FLEET_BULK_DELETE.value, value="delete", style="danger")
        )
    if not buttons:
        return context(
            f"Bulk actions: nothing has run more than {f.bulk_stop_running_hours} hours or been stopped more "
            f"than {f.bulk_delete_stopped_days} days."
        )
    return ActionsBlock(block_id="fleet:bulk", elements=buttons)


def pending_blocks(pending: list[EnvironmentRequest]) -> list[Block]:
    """Pending requests as check boxes, and Approve selected (each approval checked as its card's button)."""
    if not pending:
        return []
    offered = pending[: PICKS_PER_BLOCK * PICK_BLOCKS]
    more = f" (the {len(offered)} oldest here)" if len(offered) < len(pending) else ""
    blocks: list[Block] = [section(f"*{len(pending)} request(s) wait for approval*{more}")]
    for i in range(0, len(offered), PICKS_PER_BLOCK):
        options = [
            Option(
                text=MarkdownTextObject(
                    text=fit(f"*{words(r.display_name)}* · <@{r.owner_user_id}> · {words(r.template_id)}", 150)
                ),
                value=r.id,
            )
            for r in offered[i : i + PICKS_PER_BLOCK]
        ]
        checkboxes = CheckboxesElement(action_id=Action.FLEET_PICK_PENDING.value, options=options)
        blocks.append(ActionsBlock(block_id=f"fleet:pick:{i // PICKS_PER_BLOCK}", elements=[checkboxes]))
    approve = ButtonElement(
        text="Approve selected", action_id=Action.FLEET_APPROVE_PICKED.value, value="approve", style="primary"
    )
    blocks.append(ActionsBlock(block_id="fleet:approve", elements=[approve]))
    return blocks


def fleet_blocks(page: FleetPage, policy: Policy, now: datetime) -> list[Block]:
    """The admins' part of App Home: pending approvals, filters, one page of rows, the pager, bulk actions."""
    blocks: list[Block] = [HeaderBlock(text="Fleet (admins)")]
    blocks += pending_blocks(page.pending)
    blocks.append(filter_block(page.wanted, policy))
    if not page.rows:
        blocks.append(section("Nothing matches these filters."))
    for request in page.rows:
        blocks += row_blocks(request, now)
    blocks += pager_blocks(page.page, page.pages, page.total, Action.FLEET_PAGE)
    blocks.append(bulk_block(page, policy))
    return blocks


def picked(view: dict[str, Any]) -> list[str]:
    """The request ids checked in the Home view's pending list."""
    ids: list[str] = []
    for block_id, fields in ((view.get("state") or {}).get("values") or {}).items():
        if not str(block_id).startswith("fleet:pick:"):
            continue
        for value in fields.values():
            ids += [str(o.get("value")) for o in value.get("selected_options") or []]
    return ids
