"""Listeners of the lifecycle: Start, Stop, Extend, Delete (and its confirmation), New notebook, Retry,
App Home.

Every listener acks first; who clicked is checked on the server by the workflow (hidden buttons are not
security). A click from a message answers through its ``response_url``; a click in App Home has none, so it
is answered by DM and the Home tab is published again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.errors import NotebookBotError, Refused
from bot.domain.people import Person
from bot.domain.states import State
from bot.slack import messages
from bot.slack.commands import open_request_modal
from bot.slack.context import SlackServices
from bot.slack.home import HomeRefresh, publish_home
from bot.slack.ids import Action, View
from bot.slack.modals import notice_modal, removal_dialog
from bot.slack.notifier import SlackNotifier
from bot.slack.replies import explained, unexpected
from bot.slack.texts import when
from bot.workflow.power import Tell

log = logging.getLogger(__name__)

DM_HELP = "I answer `/notebook` commands (type them here or anywhere in Slack), not messages:\n\n"

# What a button does: (who clicked, the request id on the button, how to answer, the payload) -> what to
# say now, if anything.
Work = Callable[[Person, str, Tell, dict[str, Any]], str | None]


def _teller(body: dict[str, Any], respond: Respond, client: WebClient) -> Tell:
    if body.get("response_url"):
        return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)
    user = body["user"]["id"]
    return lambda text: client.chat_postMessage(channel=user, text=text)


def _in_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _refresh_home(s: SlackServices, client: WebClient, user_id: str, fleet_state: str | None = None) -> None:
    try:
        publish_home(s, client, user_id, fleet_state=fleet_state)
    except Exception:
        log.exception("could not publish the Home tab of %s", user_id)  # cosmetic: the next open refreshes it


def _clicked(
    s: SlackServices, body: dict[str, Any], respond: Respond, client: WebClient, what: str, work: Work
) -> None:
    tell = _teller(body, respond, client)
    user = body["user"]["id"]
    with explained(what, tell):
        person = s.directory.actor(user, (body.get("team") or {}).get("id", ""))
        said = work(person, str(body["actions"][0].get("value") or ""), tell, body)
        if said:
            tell(said)
    if _in_home(body):  # the admin's fleet filter and page stay as they were
        _refresh_home(s, client, user, (body.get("view") or {}).get("private_metadata"))


def register(app: App, s: SlackServices) -> None:
    """Adds the lifecycle's listeners (passed to ``build_bolt_app(extras=...)``)."""

    if isinstance(s.deps.notifier, SlackNotifier):  # the owner's Home follows their environments
        client: WebClient = app.client
        refresh = HomeRefresh(lambda user: publish_home(s, client, user), s.deps.background.submit)
        s.deps.notifier.on_change = refresh.changed

    def button(action: Action, what: str, work: Work) -> None:
        def listener(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            _clicked(s, body, respond, client, what, work)

        listener.__name__ = f"on_{action.value}"
        app.action(action.value)(listener)

    def extend(person: Person, ref: str, tell: Tell, body: dict[str, Any]) -> str:
        extended = s.life.extend(person, ref)
        return f"✅ *{extended.display_name}* is kept until {when(extended.expires_at, tz=person.tz)}."

    def ask_delete(person: Person, ref: str, tell: Tell, body: dict[str, Any]) -> None:
        request = s.life.deletable(person, ref)
        client: WebClient = app.client
        client.views_open(trigger_id=body["trigger_id"], view=removal_dialog(request).to_dict())

    def new(person: Person, ref: str, tell: Tell, body: dict[str, Any]) -> None:
        open_request_modal(s, person, body["trigger_id"], app.client)

    def retry(person: Person, ref: str, tell: Tell, body: dict[str, Any]) -> str:
        moved = s.life.retry(person, ref)
        return f"🔁 Retrying `{moved.id}` ({moved.display_name}): back to {moved.state.label}."

    button(Action.START, "starting an environment", lambda p, ref, tell, b: s.life.start(p, ref, tell))
    button(Action.STOP, "stopping an environment", lambda p, ref, tell, b: s.life.stop(p, ref, tell))
    button(Action.EXTEND, "extending an environment", extend)
    button(Action.DELETE, "opening the delete dialog", ask_delete)
    button(Action.WITHDRAW, "opening the withdraw dialog", ask_delete)
    button(Action.NEW, "opening the request form", new)
    button(Action.RETRY, "retrying a request", retry)

    @app.view(View.CONFIRM_WITHDRAW.value)
    @app.view(View.CONFIRM_DELETE.value)
    def confirm_delete(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        withdrawing = view.get("callback_id") == View.CONFIRM_WITHDRAW.value
        not_done = "Not withdrawn" if withdrawing else "Not deleted"
        try:
            person = s.directory.actor(user, (body.get("team") or {}).get("id", ""))
            ref = str(view.get("private_metadata") or "")
            if withdrawing:  # decided on while the dialog was open: a withdrawal must not become a deletion
                found = s.life.find(person, ref)
                if found.state != State.PENDING_APPROVAL:
                    raise Refused(f"*{found.display_name}* is {found.state.label} now, so it was not withdrawn.")
            request = s.life.delete(person, ref)
        except NotebookBotError as e:
            ack(response_action="update", view=notice_modal(not_done, e.message).to_dict())
            return
        except Exception:
            ack(response_action="update", view=notice_modal(not_done, unexpected("deleting")).to_dict())
            return
        ack()  # closes the dialog; the owner hears about the removal pull request from the background
        if request.state == State.CANCELLED:
            said = f"Your request *{request.display_name}* is withdrawn."
        elif user != request.owner_user_id:
            said = (
                f"🗑️ Deleting *{request.display_name}* of <@{request.owner_user_id}>; they are told when it "
                "is "
                f"gone. `/notebook audit {request.id}` follows it."
            )
        else:
            return
        try:
            client.chat_postMessage(channel=user, text=said)
        except Exception:
            log.exception("could not confirm the deletion of %s to %s", request.id, user)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            _refresh_home(s, client, str(event.get("user")))

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Someone wrote to the bot in its Messages tab: answer with what it understands. Edits, joins and
        # the bot's own messages (which Slack sends back as events too) get no answer, or it would loop.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        try:
            client.chat_postMessage(channel=str(event.get("channel")), text=DM_HELP + messages.HELP)
        except Exception:
            log.exception("could not answer a direct message")
