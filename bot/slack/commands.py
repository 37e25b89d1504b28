"""``/notebook`` and its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import rules
from bot.domain.errors import Refused
from bot.domain.people import Person
from bot.slack import messages
from bot.slack.context import Invocation, SlackServices
from bot.slack.ids import COMMAND
from bot.slack.lifecycle_commands import LIFECYCLE_SUBCOMMANDS
from bot.slack.modals import request_modal
from bot.slack.replies import explained
from bot.slack.spend import SPEND_SUBCOMMANDS


def _ephemeral(respond: Respond) -> Callable[[str], object]:
    return lambda text: respond(text=text, response_type="ephemeral")


# A subcommand gets one Invocation: the services, who typed it, its words, how to answer, the raw command.
Subcommand = Callable[[Invocation], None]


def open_request_modal(s: SlackServices, person: Person, trigger_id: str, client: WebClient) -> None:
    """Opens the request form with the templates this person may use (or says why not)."""
    refusal = rules.identity_refusal(person, s.policy)
    if refusal:
        raise Refused(refusal)
    templates = rules.templates_for(person, s.policy)
    if not templates:
        raise Refused("No template is offered to you yet. Ask an admin to give you access to one.")
    client.views_open(trigger_id=trigger_id, view=request_modal(templates, s.policy).to_dict())


def _new(c: Invocation) -> None:
    open_request_modal(c.services, c.person, c.body["trigger_id"], c.client)


# Everything after ``new`` is the lifecycle: status, start, stop, extend, delete, list, audit.
SUBCOMMANDS: dict[str, Subcommand] = {"new": _new, **LIFECYCLE_SUBCOMMANDS, **SPEND_SUBCOMMANDS}


def register(app: App, s: SlackServices) -> None:
    @app.command(COMMAND)
    def notebook(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        words = str(body.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub in ("help", "") or sub not in SUBCOMMANDS:
            prefix = "" if sub in ("help", "") else f"I don't know `{sub}`.\n\n"
            ack(response_type="ephemeral", text=prefix + messages.HELP)
            return
        ack()
        with explained(f"/notebook {sub}", _ephemeral(respond)):
            person = s.directory.person(body["user_id"], body.get("team_id", ""))
            SUBCOMMANDS[sub](Invocation(s, person, words[1:], respond, body, client))
