"""``/notebook status|start|stop|extend|delete|list|audit``: small functions behind ``SUBCOMMANDS``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.domain.errors import InvalidInput, Refused
from bot.domain.people import Person
from bot.slack.context import SlackServices
from bot.slack.environments import admin_list_blocks, audit_blocks, status_blocks
from bot.slack.modals import confirm_delete_modal


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _name(args: list[str], usage: str) -> str:
    if not args:
        raise Refused(f"Which one? `{usage}` (`/notebook status` lists yours).")
    return args[0]


def status(
    s: SlackServices,
    person: Person,
    args: list[str],
    respond: Respond,
    body: dict[str, Any],
    client: WebClient,
) -> None:
    views = s.life.overview(person)
    respond(
        response_type="ephemeral",
        text="Your notebook environments",
        blocks=[b.to_dict() for b in status_blocks(views, s.policy)],
    )


def _power(verb: str) -> Any:
    def command(
        s: SlackServices,
        person: Person,
        args: list[str],
        respond: Respond,
        body: dict[str, Any],
        client: WebClient,
    ) -> None:
        ref = _name(args, f"/notebook {verb} NAME")
        switch = s.life.start if verb == "start" else s.life.stop
        switch(person, ref, lambda text: _say(respond, text))

    command.__name__ = verb
    return command


def extend(
    s: SlackServices,
    person: Person,
    args: list[str],
    respond: Respond,
    body: dict[str, Any],
    client: WebClient,
) -> None:
    ref = _name(args, "/notebook extend NAME [DAYS]")
    days = None
    if len(args) > 1:
        if not args[1].isdigit():
            raise InvalidInput({"DAYS": f"`{args[1]}` is not a whole number of days"})
        days = int(args[1])
    extended = s.life.extend(person, ref, days)
    _say(respond, f"✅ *{extended.display_name}* is kept until {extended.expires_at:%Y-%m-%d %H:%M} UTC.")


def delete(
    s: SlackServices,
    person: Person,
    args: list[str],
    respond: Respond,
    body: dict[str, Any],
    client: WebClient,
) -> None:
    request = s.life.deletable(person, _name(args, "/notebook delete NAME"))
    client.views_open(trigger_id=body["trigger_id"], view=confirm_delete_modal(request).to_dict())


def list_all(
    s: SlackServices,
    person: Person,
    args: list[str],
    respond: Respond,
    body: dict[str, Any],
    client: WebClient,
) -> None:
    found, wanted = s.life.list_all(person, args)
    respond(
        response_type="ephemeral",
        text=f"{len(found)} environment(s)",
        blocks=[b.to_dict() for b in admin_list_blocks(found, s.policy, wanted.words)],
    )


def audit(
    s: SlackServices,
    person: Person,
    args: list[str],
    respond: Respond,
    body: dict[str, Any],
    client: WebClient,
) -> None:
    request, records = s.life.audit(person, _name(args, "/notebook audit REQUEST_ID"))
    respond(
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
