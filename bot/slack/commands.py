"""``/notebook`` and its subcommands."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View as SlackView

from bot.config.policy import Template
from bot.domain import rules
from bot.domain.errors import NotebookBotError, NotFound, Refused
from bot.domain.people import Person
from bot.slack import messages
from bot.slack.context import Invocation, SlackServices
from bot.slack.ids import COMMAND
from bot.slack.kept_alive import use_kept_alive_connections
from bot.slack.lifecycle_commands import LIFECYCLE_SUBCOMMANDS
from bot.slack.modals import checking_modal, notice_modal, request_modal
from bot.slack.replies import explained, said, unexpected
from bot.slack.spend import SPEND_SUBCOMMANDS
from bot.slack.texts import context

log = logging.getLogger(__name__)
# A handle typed without picking the person from Slack's menu: Slack sends it as text.
_HANDLE = re.compile(r"^@([a-z0-9][a-z0-9._-]*)$", re.IGNORECASE)


def _ephemeral(respond: Respond) -> Callable[[str], object]:
    return lambda text: respond(text=text, response_type="ephemeral")


ON_BEHALF = "for"  # private_metadata key of the request form: whose the environment will be
# A subcommand gets one Invocation: the services, who typed it, its words, how to answer, the raw command.
Subcommand = Callable[[Invocation], None]


def offered_templates(s: SlackServices, person: Person) -> list[Template]:
    """The templates this person may ask for now; Refused (said before any form) if there is none."""
    return s.requests.offered_templates(person)


def open_request_modal(s: SlackServices, person: Person, trigger_id: str, client: WebClient) -> None:
    """Opens the request form with the templates this person may use now (or says why not)."""
    client.views_open(trigger_id=trigger_id, view=s.request_forms.view(offered_templates(s, person)))


def open_request_modal_for(
    s: SlackServices, user_id: str, team_id: str, trigger_id: str, client: WebClient, say: Callable[[str], object]
) -> None:
    """Opens the request form within the trigger's life however slow Slack is to say who the user is.

    With the person known within the modal budget, the form opens at once. Otherwise a placeholder opens
    now and turns into the form, or into the reason there is none, once Slack has answered. Nothing is
    granted on a guess: the submission is checked again.
    """
    person = s.directory.known(user_id, team_id, budget=s.directory.modal_budget)
    if person is not None:
        open_request_modal(s, person, trigger_id, client)
        return
    opened = client.views_open(trigger_id=trigger_id, view=checking_modal().to_dict())
    view_id = str((opened.get("view") or {}).get("id") or "")
    try:
        person = s.directory.person(user_id, team_id, budget=30.0)  # the trigger is spent: time is no object
        view = s.request_forms.view(offered_templates(s, person))
    except NotebookBotError as e:
        view = notice_modal("New notebook", said(e)).to_dict()
    except Exception:
        view = notice_modal("New notebook", unexpected("opening the request form")).to_dict()
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as e:
        if e.response.get("error") == "not_found":  # they closed the placeholder: nothing to show it on
            log.info("the request form of %s was closed before it was filled in", user_id)
        else:
            say(unexpected("showing the request form"))


_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(\|[^>]*)?>$")


def open_request_modal_on_behalf(
    s: SlackServices, admin: Person, mention: str, trigger_id: str, client: WebClient
) -> None:
    """``/notebook new @someone``: an admin fills the form; the environment will be that person's."""
    who = _USER_MENTION.match(mention)
    if who is None:
        raise Refused("`/notebook new @someone` asks on their behalf: pick them from Slack's @ menu.")
    owner = s.directory.known(who.group(1), budget=s.directory.modal_budget)
    if owner is None:
        raise Refused("Slack is slow to say who that is right now; try again in a moment.")
    refusal = rules.on_behalf_refusal(admin, owner, s.policy)
    if refusal:
        raise Refused(refusal)
    client.views_open(
        trigger_id=trigger_id, view=on_behalf(request_modal(offered_templates(s, owner), s.policy), owner)
    )


def on_behalf(view: SlackView, owner: Person) -> SlackView:
    """The request form, saying whose the environment will be, and carrying it to the submission."""
    view.private_metadata = json.dumps({ON_BEHALF: owner.user_id})
    view.blocks = [
        context(f"For <@{owner.user_id}>: the environment will be theirs, and both of you are told."),
        *view.blocks,
    ]
    return view


def _new(c: Invocation) -> None:
    if c.args:
        open_request_modal_on_behalf(c.services, c.person, c.args[0], c.body["trigger_id"], c.client)
        return
    open_request_modal(c.services, c.person, c.body["trigger_id"], c.client)


# Everything after ``new`` is the lifecycle: status, start, stop, extend, delete, list, audit.
SUBCOMMANDS: dict[str, Subcommand] = {"new": _new, **LIFECYCLE_SUBCOMMANDS, **SPEND_SUBCOMMANDS}


def command_words(text: str) -> list[str]:
    """The words typed, as Slack sends them with ``should_escape: true`` (``&lt;`` for ``<``...) undone."""
    return [html.unescape(w) for w in text.split()]


def mentions_resolved(s: SlackServices, words: list[str]) -> list[str]:
    """``@alice`` typed as text becomes ``<@U…>`` when the directory knows that handle."""
    out = []
    for word in words:
        handle = _HANDLE.match(word)
        if handle is None or re.fullmatch(r"[UW][A-Z0-9]{2,}", handle.group(1)):
            out.append(word)
            continue
        found = s.directory.by_handle(handle.group(1))
        if len(found) != 1:
            raise NotFound(
                f"I don't know who `{word}` is. Pick them from Slack's @ menu, so that Slack sends who they are."
            )
        out.append(f"<@{found[0]}>")
    return out


def register(app: App, s: SlackServices) -> None:
    # Registered with the first listeners (build_bolt_app always registers these): every listener's Slack
    # calls and replies then reuse kept-alive connections instead of opening one each.
    use_kept_alive_connections(app)

    def notebook_ack(ack: Ack, body: dict[str, Any]) -> None:
        words = command_words(str(body.get("text") or ""))
        sub = words[0].lower() if words else "help"
        if sub in ("help", "") or sub not in SUBCOMMANDS:
            prefix = "" if sub in ("help", "") else f"I don't know `{sub}`.\n\n"
            ack(response_type="ephemeral", text=prefix + messages.HELP)
            return
        ack()

    # The help is the ack itself; every other subcommand is answered after the ack (the lazy part; under
    # serve, a job for the worker).
    def notebook(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        words = command_words(str(body.get("text") or ""))
        sub = words[0].lower() if words else "help"
        if sub in ("help", "") or sub not in SUBCOMMANDS:
            return
        user, team = body["user_id"], body.get("team_id", "")
        with explained(f"/notebook {sub}", _ephemeral(respond)):
            if sub == "new" and len(words) == 1:  # the trigger lives 3 s: the form must not wait on Slack's directory
                open_request_modal_for(s, user, team, body["trigger_id"], client, _ephemeral(respond))
                return
            person = s.directory.actor(user, team)
            args = mentions_resolved(s, words[1:]) if sub in ("list", "costs", "new") else words[1:]
            SUBCOMMANDS[sub](Invocation(s, person, args, respond, body, client))

    app.command(COMMAND)(ack=notebook_ack, lazy=[notebook])
