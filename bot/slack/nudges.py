"""The workflow's ``Nudges`` on Slack: idle-stop and long-running DMs, the owner's message after a start or
stop, and approval reminders to the approvers. Every message is claimed in the store first (sent once)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.cloud.base import STOPPED
from bot.config.policy import Policy
from bot.domain.fleet import IDLE, OUTSIDE, Power
from bot.domain.request import EnvironmentRequest, iso
from bot.pricing.estimate import money
from bot.slack import messages
from bot.slack.costs import request_estimate
from bot.slack.ids import Action
from bot.slack.texts import MESSAGE_TEXT, context, fit, section, when, words
from bot.store.base import Store
from bot.workflow.ports import Clock

log = logging.getLogger(__name__)

# What an environment costs in a power state ("running" or "stopped"); None leaves the line out.
CostLine = Callable[[EnvironmentRequest, str], str | None]


def estimated_cost_line(policy: Policy) -> CostLine:
    """The cost line from the price table (``bot/slack/costs.py``): per month stopped, per hour running."""

    def line(request: EnvironmentRequest, state: str) -> str | None:
        e = request_estimate(request, policy)
        if e is None or not e.priced:
            return None
        stopped = f"{money(e.stopped_monthly, e.currency)}/month"
        if state == "stopped":
            return f"💰 Stopped, it costs about {stopped} (its disks; list prices of {e.taken})."
        day = money(e.running_hourly * 24, e.currency)
        return (
            f"💰 Running, it costs about {money(e.running_hourly, e.currency)}/hour ({day} a day); stopped, "
            f"{stopped} (list prices of {e.taken})."
        )

    return line


def _button(text: str, action: Action, request_id: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action.value, value=request_id, style=style)


def idle_stop_blocks(request: EnvironmentRequest, seen: Power, cost: str | None) -> list[Block]:
    """The DM after an idle shutdown: what happened, what it costs stopped, and Start / Delete."""
    text = (
        f"⏸️ *{words(request.display_name)}* was stopped by Google after {request.idle_minutes} idle minutes "
        f"({when(seen.since)}). Your files stay on its disk; start it again when you need it."
    )
    blocks: list[Block] = [section(text)]
    if cost:
        blocks.append(context(cost))
    buttons = [_button("Start", Action.START, request.id, "primary"), _button("Delete", Action.DELETE, request.id)]
    blocks.append(ActionsBlock(block_id=f"idle:{request.id}", elements=buttons))
    return blocks


def running_blocks(request: EnvironmentRequest, seen: Power, hours: int, cost: str | None) -> list[Block]:
    """The one nudge about an environment running for more than ``hours``."""
    text = (
        f"⏱️ *{words(request.display_name)}* has been running for more than {hours} hours (since "
        f"{when(seen.since)}). Stop it when you are done; your files stay on its disk."
    )
    blocks: list[Block] = [section(text)]
    if cost:
        blocks.append(context(cost))
    blocks.append(ActionsBlock(block_id=f"running:{request.id}", elements=[_button("Stop", Action.STOP, request.id)]))
    return blocks


def power_line(request: EnvironmentRequest, seen: Power) -> str:
    """One line for the owner's message: the power state, since when, and who did it."""
    if seen.by == IDLE:
        who = f"by Google after {request.idle_minutes} idle minutes"
    elif seen.by == OUTSIDE:
        who = "outside the bot"
    elif seen.by == request.owner_user_id:
        who = "by you"
    else:
        who = f"by <@{seen.by}>" if seen.by[:1] in ("U", "W") and seen.by.isalnum() else f"by {words(seen.by)}"
    if seen.state == STOPPED:
        return f"⏹️ Stopped {who} on {when(seen.since)}; *Start* brings it back."
    return f"▶️ Running since {when(seen.since)} (started {who})."


def approval_reminder_blocks(request: EnvironmentRequest, escalation: bool, hours: int) -> list[Block]:
    """A DM to an approver: who asked for what, how long ago, and Approve / Reject right here."""
    head = "⚠️ *Last call:* this request expires" if escalation else "⏳ A request still waits for a decision"
    text = (
        f"{head} — *{words(request.display_name)}* (`{request.id}`) from <@{request.owner_user_id}> "
        f"({words(request.owner_email)}), template `{words(request.template_id)}`, asked {when(request.created_at)}."
    )
    if escalation:
        text += f" Nobody has decided; it expires {hours} hours after it was asked."
    if request.reason:
        text += f"\n>{words(request.reason)}"
    buttons = [
        _button("Approve", Action.APPROVE, request.id, "primary"),
        _button("Reject", Action.REJECT, request.id, "danger"),
    ]
    return [section(text), ActionsBlock(block_id=f"remind:{request.id}", elements=buttons)]


class SlackNudges:
    """Sends each nudge once (claims); a send that fails releases its claim for the next pass."""

    def __init__(
        self, client: WebClient, store: Store, policy: Policy, clock: Clock, cost_line: CostLine | None = None
    ) -> None:
        self.client = client
        self.store = store
        self.policy = policy
        self.clock = clock
        self.cost_line = cost_line or estimated_cost_line(policy)

    def _once(self, key: str, channel: str, text: str, blocks: list[Block], **extra: Any) -> bool:
        if not self.store.claim(key, self.clock()):
            return False
        try:
            self.client.chat_postMessage(
                channel=channel, text=fit(text, MESSAGE_TEXT), blocks=[b.to_dict() for b in blocks], **extra
            )
        except Exception:
            self.store.release(key)
            raise
        return True

    def _cost(self, request: EnvironmentRequest, state: str) -> str | None:
        if self.cost_line is None:
            return None
        try:
            return self.cost_line(request, state)
        except Exception:  # an estimate must never keep the owner from hearing what happened
            log.exception("no cost estimate for %s", request.id)
            return None

    def idle_stopped(self, request: EnvironmentRequest, seen: Power) -> bool:
        blocks = idle_stop_blocks(request, seen, self._cost(request, "stopped"))
        text = f"{request.display_name} was stopped after {request.idle_minutes} idle minutes"
        return self._once(f"msg:{request.id}:idle-stop:{iso(seen.since)}", request.owner_user_id, text, blocks)

    def running_long(self, request: EnvironmentRequest, seen: Power, hours: int) -> bool:
        blocks = running_blocks(request, seen, hours, self._cost(request, "running"))
        text = f"{request.display_name} has been running for more than {hours} hours"
        return self._once(f"msg:{request.id}:running:{iso(seen.since)}", request.owner_user_id, text, blocks)

    def power_changed(self, request: EnvironmentRequest, seen: Power) -> None:
        refs = request.slack
        line = power_line(request, seen)
        verb = _button("Start", Action.START, request.id) if seen.state == STOPPED else None
        verb = verb or _button("Stop", Action.STOP, request.id)
        if request.url and refs.dm_channel and refs.ready_ts and refs.ready_ts != "before-recorded":
            blocks = [*messages.ready_message(request, self.policy), context(line)]
            blocks.append(ActionsBlock(block_id=f"power:{request.id}", elements=[verb]))
            self.client.chat_update(
                channel=refs.dm_channel,
                ts=refs.ready_ts,
                text=fit(f"{request.display_name}: {line}", MESSAGE_TEXT),
                blocks=[b.to_dict() for b in blocks],
            )
            return
        if seen.by != request.owner_user_id:  # no message of theirs to update: someone else acted, say so
            blocks = [section(f"*{words(request.display_name)}*: {line}")]
            self._once(f"msg:{request.id}:power:{iso(seen.since)}", request.owner_user_id, line, blocks)

    def approval_reminder(self, request: EnvironmentRequest, *, escalation: bool) -> bool:
        kind = "approval-escalation" if escalation else "approval-reminder"
        hours = self.policy.limits.approval_timeout_hours
        blocks = approval_reminder_blocks(request, escalation, hours)
        text = f"Request {request.id} from {request.owner_email} still waits for a decision"
        sent = False
        refs = request.slack
        if refs.card_channel and refs.card_ts:
            group = self.policy.slack.admin_usergroup
            ping = f"<!subteam^{group}> " if escalation and group else ""
            thread = f"{ping}{'Last call: ' if escalation else ''}still pending; nobody has decided yet."
            try:
                sent |= self._once(
                    f"msg:{request.id}:{kind}:thread",
                    refs.card_channel,
                    thread,
                    [section(thread)],
                    thread_ts=refs.card_ts,
                )
            except Exception:  # the channel refusing must not keep the approvers' DMs back; the next pass retries
                log.exception("could not remind in the thread of %s", request.id)
        for user in self._approvers(escalation):
            if user == request.owner_user_id and not self.policy.slack.allow_self_approval:
                continue
            try:
                sent |= self._once(f"msg:{request.id}:{kind}:{user}", user, text, blocks)
            except Exception:  # one approver Slack refuses must not keep the others from hearing
                log.exception("could not remind %s about %s", user, request.id)
        return sent

    def _approvers(self, escalation: bool) -> list[str]:
        """The on-call group if the policy names one (everyone on an escalation), else the admins."""
        slack, oncall = self.policy.slack, self.policy.fleet.oncall_usergroup
        people: list[str] = []
        if oncall:
            people += self._members(oncall)
        if escalation or not people:
            people += slack.admins
            if slack.admin_usergroup:
                people += self._members(slack.admin_usergroup)
        return list(dict.fromkeys(people))

    def _members(self, group: str) -> list[str]:
        try:
            return [str(u) for u in self.client.usergroups_users_list(usergroup=group).get("users") or []]
        except Exception:  # the admins named by ID are still reminded
            log.exception("could not list the members of %s", group)
            return []
