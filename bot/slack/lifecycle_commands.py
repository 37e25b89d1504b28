"""``/notebook status|start|stop|extend|delete|list|audit``: small functions behind ``SUBCOMMANDS``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.domain.errors import InvalidInput, Refused
from bot.slack.context import Invocation
from bot.slack.environments import admin_list_blocks, audit_blocks, status_blocks
from bot.slack.modals import removal_dialog
from bot.slack.texts import when


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _name(args: list[str], usage: str) -> str:
    if not args:
        raise Refused(f"Which one? `{usage}` (`/notebook status` lists yours).")
    return args[0]


def status(c: Invocation) -> None:
    views = c.services.life.overview(c.person)
    c.respond(
        response_type="ephemeral",
        text="Your notebook environments",
        blocks=[b.to_dict() for b in status_blocks(views, c.services.policy)],
    )


def _power(verb: str) -> Any:
    def command(c: Invocation) -> None:
        ref = _name(c.args, f"/notebook {verb} NAME")
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


def list_all(c: Invocation) -> None:
    found, wanted = c.services.life.list_all(c.person, c.args)
    c.respond(
        response_type="ephemeral",
        text=f"{len(found)} environment(s)",
        blocks=[b.to_dict() for b in admin_list_blocks(found, c.services.policy, wanted.words)],
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
