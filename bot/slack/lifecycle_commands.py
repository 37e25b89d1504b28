"""``/notebook status|start|stop|extend|delete|list|audit``: small functions behind ``SUBCOMMANDS``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk.models.blocks import Block

from bot.domain.errors import InvalidInput, Refused
from bot.domain.request import EnvironmentRequest
from bot.domain.states import FINAL
from bot.slack.context import Invocation, SlackServices
from bot.slack.environments import admin_list_blocks, audit_blocks, status_blocks
from bot.slack.modals import removal_dialog
from bot.slack.texts import when
from bot.workflow.governance import ListFilter


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _name(args: list[str], usage: str) -> str:
    if not args:
        raise Refused(f"Which one? `{usage}` (`/notebook status` lists yours).")
    return args[0]


def _named_or_only(c: Invocation, usage: str) -> str:
    """The name typed, or the person's only environment when they have just one (``/notebook stop``)."""
    if c.args:
        return c.args[0]
    mine = [r for r in c.services.store.find(owner_user_id=c.person.user_id) if r.state not in FINAL]
    if len(mine) == 1:
        return mine[0].id
    if mine:
        names = ", ".join(f"`{r.display_name}`" for r in mine)
        raise Refused(f"Which one? `{usage}` — you have {names}.")
    raise Refused(f"You have no environment to act on: `{usage}` names one, `/notebook new` asks for one.")


def status(c: Invocation) -> None:
    views = c.services.life.overview(c.person)
    c.respond(
        response_type="ephemeral",
        text="Your notebook environments",
        blocks=[b.to_dict() for b in status_blocks(views, c.services.policy)],
    )


def _power(verb: str) -> Any:
    def command(c: Invocation) -> None:
        ref = _named_or_only(c, f"/notebook {verb} NAME")
        switch = c.services.life.start if verb == "start" else c.services.life.stop
        switch(c.person, ref, lambda text: _say(c.respond, text))

    command.__name__ = verb
    return command


def extend(c: Invocation) -> None:
    ref = _name(c.args, "/notebook extend NAME [DAYS]")
    days = None
    if len(c.args) > 1:
        if not c.args[1].isdigit():
            raise InvalidInput({"DAYS": f"`{c.args[1]}` is not a whole number of days"})
        days = int(c.args[1])
    extended = c.services.life.extend(c.person, ref, days)
    until = when(extended.expires_at, tz=c.person.tz)
    _say(c.respond, f"✅ *{extended.display_name}* is kept until {until}.")


def delete(c: Invocation) -> None:
    request = c.services.life.deletable(c.person, _name(c.args, "/notebook delete NAME"))
    c.client.views_open(trigger_id=c.body["trigger_id"], view=removal_dialog(request).to_dict())


def list_blocks(s: SlackServices, found: list[EnvironmentRequest], wanted: ListFilter, page: int) -> list[Block]:
    """One page of ``/notebook list`` (its Next / Previous buttons carry the words typed)."""
    return admin_list_blocks(found, s.policy, wanted.words, page)


def list_all(c: Invocation) -> None:
    words = list(c.args)
    page = 0
    if len(words) >= 2 and words[-2].lower() == "page":  # /notebook list ready page 3
        if not words[-1].isdigit() or int(words[-1]) < 1:
            raise InvalidInput({"PAGE": f"`{words[-1]}` is not a page number"})
        page, words = int(words[-1]) - 1, words[:-2]
    found, wanted = c.services.life.list_all(c.person, words)
    c.respond(
        response_type="ephemeral",
        text=f"{len(found)} environment(s)",
        blocks=[b.to_dict() for b in list_blocks(c.services, found, wanted, page)],
    )


def audit(c: Invocation) -> None:
    # Ids are lowercase; people copy them from wherever they saw them, capitals and all.
    request_id = _name(c.args, "/notebook audit REQUEST_ID").lower()
    request, records = c.services.life.audit(c.person, request_id)
    c.respond(
        response_type="ephemeral",
        text=f"Audit trail of {request.id}",
        blocks=[b.to_dict() for b in audit_blocks(request, records)],
    )


LIFECYCLE_SUBCOMMANDS = {
    "status": status,
    "start": _power("start"),
    "stop": _power("stop"),
    "extend": extend,
    "delete": delete,
    "list": list_all,
    "audit": audit,
}
