"""Blocks about environments after they are asked for: status rows with their buttons, the expiry reminder,
the admin list and the audit trail. Pure builders (slack_sdk.models), no I/O."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock

from bot.cloud.base import ACTIVE
from bot.config.policy import Policy
from bot.domain import fleet
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import FINAL, State
from bot.slack.costs import request_cost_line
from bot.slack.fleet_blocks import BUTTONS as _BUTTONS
from bot.slack.fleet_blocks import pager_blocks
from bot.slack.ids import Action
from bot.slack.texts import SECTION, context, fit, section, when, words
from bot.workflow.fleet import paged
from bot.workflow.live import EnvironmentView

MESSAGE_BLOCKS = 50  # Slack's limit for a message
HOME_BLOCKS = 100  # and for a Home tab
_AUDIT_LINE = 500  # one audit record's line, so that one long reason does not hide the others


def _when(ts: datetime | None) -> str:
    return when(ts)


def _state_line(view: EnvironmentView) -> str:
    r = view.request
    line = f"*{r.state.label}*"
    if view.cloud is not None:
        line += f" · Google says *{view.cloud.state}*"
    elif view.cloud_problem:
        line += " · _Google Cloud did not answer; this is the last state the bot knows_"
    return line


def environment_text(view: EnvironmentView, policy: Policy, *, show_owner: bool = False) -> str:
    """One environment in a few lines: name, template, state (live where it has a resource), links, expiry."""
    r = view.request
    template = policy.template(r.template_id)
    lines = [
        f"*{words(r.display_name)}* · {words(template.title if template else r.template_id)} · `{r.id}`",
        _state_line(view),
    ]
    if show_owner:
        lines.append(f"Owner: <@{r.owner_user_id}> ({words(r.owner_email)})")
    links = []
    if r.url and r.state == State.READY:
        links.append(f"<{r.url}|JupyterLab>")
    if r.pull_request and r.pull_request.number:
        kind = "removal PR" if r.pull_request.purpose == "remove" else "PR"
        links.append(f"<{r.pull_request.url}|{kind} #{r.pull_request.number}>")
    if r.expires_at and r.state == State.READY:
        links.append(f"kept until {_when(r.expires_at)}")
    if r.state == State.FAILED and r.last_error:
        links.append(f"failed: {words(r.last_error)}")
    if r.end_reason and r.state in FINAL | {State.DELETING}:
        links.append(words(r.end_reason))
    if links:
        lines.append(" · ".join(links))
    cost = request_cost_line(r, policy) if r.state not in FINAL else None
    if cost:
        lines.append(cost)
    return fit("\n".join(lines), SECTION)


def environment_buttons(view: EnvironmentView) -> ActionsBlock | None:
    """Open, Start or Stop, Extend, Delete: those its state allows (``bot/domain/fleet.py``, the rules the
    server checks again on each click); Withdraw while it waits for approval."""
    r = view.request
    buttons: list[ButtonElement] = []
    if r.state == State.READY and r.url and view.cloud_state in (None, ACTIVE):
        buttons.append(ButtonElement(text="Open", action_id=Action.OPEN.value, url=r.url, value=r.id, style="primary"))
    for name in fleet.allowed_actions(r, view.cloud_state):
        if name == "retry":  # admins retry, from the alert or the fleet
            continue
        text, action, style = _BUTTONS[name]
        buttons.append(ButtonElement(text=text, action_id=action.value, value=r.id, style=style))
    if r.state == State.PENDING_APPROVAL:
        buttons.append(ButtonElement(text="Withdraw", action_id=Action.WITHDRAW.value, value=r.id))
    return ActionsBlock(block_id=f"env:{r.id}", elements=buttons) if buttons else None


def environment_blocks(
    view: EnvironmentView, policy: Policy, *, show_owner: bool = False, buttons: bool = True
) -> list[Block]:
    blocks: list[Block] = [section(environment_text(view, policy, show_owner=show_owner))]
    actions = environment_buttons(view) if buttons else None
    if actions is not None:
        blocks.append(actions)
    blocks.append(DividerBlock())
    return blocks


def environment_list(
    views: list[EnvironmentView],
    policy: Policy,
    *,
    title: str,
    budget: int,
    show_owner: bool = False,
    buttons: bool = True,
    empty: str = "",
) -> list[Block]:
    """A titled list that stays within ``budget`` blocks (Slack's limits), saying how many were left out."""
    blocks: list[Block] = [section(f"*{title}*")]
    if not views:
        blocks.append(section(empty or "None."))
        return blocks
    shown = 0
    for view in views:
        rows = environment_blocks(view, policy, show_owner=show_owner, buttons=buttons)
        if len(blocks) + len(rows) > budget - 1:  # keep room for the "more" line
            break
        blocks.extend(rows)
        shown += 1
    if shown < len(views):
        blocks.append(context(f"…and {len(views) - shown} more not shown here."))
    return blocks


def status_blocks(views: list[EnvironmentView], policy: Policy) -> list[Block]:
    """``/notebook status``: the person's environments, within one message."""
    return environment_list(
        views,
        policy,
        title="Your environments",
        budget=MESSAGE_BLOCKS,
        empty="None yet. `/notebook new` asks for one.",
    )


def admin_list_blocks(
    requests: list[EnvironmentRequest], policy: Policy, filters: tuple[str, ...], page: int = 0
) -> list[Block]:
    """``/notebook list``: one page of stored states (asking Google about every environment would be slow),
    with where the admin is and Previous / Next, never a silent "…and 276 more"."""
    rows, page, pages = paged(requests, page, policy.fleet.page_size)
    title = f"All environments{' · ' + words(' '.join(filters)) if filters else ''} ({len(requests)})"
    views = [EnvironmentView(r) for r in rows]
    blocks = environment_list(
        views,
        policy,
        title=title,
        budget=MESSAGE_BLOCKS - 2,
        show_owner=True,
        buttons=False,
        empty="Nothing matches.",
    )
    if requests:
        blocks += pager_blocks(page, pages, len(requests), Action.LIST_PAGE, {"w": list(filters)})
    return blocks


def reminder_blocks(request: EnvironmentRequest, limit: datetime | None) -> list[Block]:
    """The DM before expiry: when, what happens then, and the two buttons that change it."""
    assert request.expires_at is not None
    can_extend = limit is None or limit > request.expires_at
    text = (
        f"⏰ *{words(request.display_name)}* expires on {_when(request.expires_at)}. Then the bot opens a pull "
        "request "
        "that deletes it, with everything on its disks."
    )
    if can_extend:
        text += f" You can keep it until {_when(limit)} at the most." if limit else ""
    else:
        text += " It has reached the longest lifetime the policy allows; copy what you need to keep."
    buttons = (
        [ButtonElement(text="Extend", action_id=Action.EXTEND.value, value=request.id, style="primary")]
        if can_extend
        else []
    )
    buttons.append(ButtonElement(text="Delete now", action_id=Action.DELETE.value, value=request.id, style="danger"))
    return [
        section(text),
        ActionsBlock(block_id=f"expiry:{request.id}", elements=buttons),
    ]


def audit_line(a: AuditRecord) -> str:
    """One audit record: when, who, what, the move (a new request came from nothing), and the detail.

    The detail and a non-user actor are people's words or the bot's; both are escaped, so a reject reason or
    an admin's name cannot ping a channel or hide a link in the admins' view."""
    moved = ""
    if a.to_state and a.from_state != a.to_state:
        moved = f" ({a.from_state} → {a.to_state})" if a.from_state else f" (new → {a.to_state})"
    actor = f"<@{a.actor}>" if a.actor[:1] in ("U", "W") and a.actor.isalnum() else words(a.actor)
    return fit(f"{when(a.at, seconds=True)} {actor} *{a.action}*{moved} {words(a.detail)}", _AUDIT_LINE)


def audit_blocks(request: EnvironmentRequest, records: list[AuditRecord]) -> list[Block]:
    """The audit trail, oldest first, packed into as few sections as Slack allows."""
    head = (
        f"*Audit trail of `{request.id}`* · {words(request.display_name)} · <@{request.owner_user_id}> · "
        f"now {request.state.label}"
    )
    blocks: list[Block] = [section(head)]
    chunk = ""
    for a in records:
        line = audit_line(a) + "\n"
        if len(chunk) + len(line) > SECTION:
            blocks.append(section(chunk))
            chunk = ""
            if len(blocks) >= MESSAGE_BLOCKS - 1:
                break
        chunk += line
    if chunk and len(blocks) < MESSAGE_BLOCKS:
        blocks.append(section(chunk))
    return blocks
