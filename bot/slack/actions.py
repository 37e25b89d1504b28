"""Buttons and form submissions: the request modal, Approve, Reject."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import rules
from bot.domain.errors import InvalidInput, NotebookBotError
from bot.domain.notices import AskedOnBehalf
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.slack import messages
from bot.slack.commands import ON_BEHALF, on_behalf
from bot.slack.context import SlackServices
from bot.slack.forms import request_form, selected_template, text_input
from bot.slack.ids import Action, Field, View
from bot.slack.modals import notice_modal, reject_modal, request_modal
from bot.slack.replies import explained, said, unexpected

log = logging.getLogger(__name__)

# Inline errors go on a block of the modal; these errors have no block of their own.
_FALLBACK_BLOCK = Field.DISPLAY_NAME.value


def _inline(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    present = {b.get("block_id") for b in view.get("blocks", [])}
    out: dict[str, str] = {}
    for key, message in errors.items():
        block = key if key in present else _FALLBACK_BLOCK
        out[block] = f"{out[block]} {message}" if block in out else message
    return out


def register(app: App, s: SlackServices) -> None:
    @app.view(View.NEW_REQUEST.value)
    def submit_request(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        form, problems = request_form(view)
        if problems:
            ack(response_action="errors", errors=_inline(problems, view))
            return
        owner = _on_behalf_of(view)
        try:
            person = s.directory.person(body["user"]["id"], body.get("team", {}).get("id", ""))
            if owner:  # an admin asked for someone: the environment is theirs, the admin is named
                admin, person = s.directory.actor(person.user_id), s.directory.person(owner)
                request = s.requests.submit(person, form, by=admin)
            else:
                request = s.requests.submit(person, form)
        except InvalidInput as e:
            ack(response_action="errors", errors=_inline(e.fields, view))
            return
        except NotebookBotError as e:
            ack(response_action="errors", errors={Field.TEMPLATE.value: said(e)[:150]})
            return
        except Exception:
            ack(
                response_action="errors",
                errors={Field.TEMPLATE.value: unexpected("submitting a request")[:150]},
            )
            return
        ack()  # closes the modal; the progress DM follows from the background
        if owner:
            s.background.submit(f"on behalf {request.id}", lambda: _both_told(s, client, request, body["user"]["id"]))
        log.info("request %s submitted by %s (%s)", request.id, person.user_id, request.state.value)

    @app.action(Action.TEMPLATE.value)
    def template_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        owner = _on_behalf_of(view)
        person = s.directory.person(owner or body["user"]["id"])
        templates = rules.templates_for(person, s.policy)
        chosen = next((t for t in templates if t.id == selected_template(view)), None)
        if chosen is None:
            return
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=(
                on_behalf(request_modal(templates, s.policy, chosen), person).to_dict()
                if owner
                else s.request_forms.view(templates, chosen)
            ),
        )

    def approve_ack(ack: Ack) -> None:
        ack()

    # Ack first, decide after (the lazy part; under serve, a job for the worker): the decision is a
    # compare-and-set that may queue behind other clicks on the same request (fifty admins at once), and
    # Slack gives up after 3 s. The card's update is the admin's confirmation.
    def approve(body: dict[str, Any], respond: Respond) -> None:
        request_id = body["actions"][0]["value"]
        say = _ephemeral(respond)
        with explained("approving a request", say):
            admin = s.directory.actor(body["user"]["id"], body.get("team", {}).get("id", ""))
            request, won = s.requests.approve(request_id, admin)
            if not won:
                say(messages.already_decided(request, _decided_at(s, request)))
            elif (body.get("channel") or {}).get("id") != request.slack.card_channel:  # a reminder DM
                respond(text=f"✅ You approved *{request.display_name}* (`{request.id}`).", replace_original=True)

    app.action(Action.APPROVE.value)(ack=approve_ack, lazy=[approve])

    @app.action(Action.REJECT.value)
    def reject(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        request_id = body["actions"][0]["value"]
        with explained("opening the reject dialog", _ephemeral(respond)):
            admin = s.directory.actor(body["user"]["id"], body.get("team", {}).get("id", ""))
            request = s.requests.rejectable(request_id, admin)
            if request.state != State.PENDING_APPROVAL:  # a card clicked after the decision
                _ephemeral(respond)(messages.already_decided(request, _decided_at(s, request)))
                return
            client.views_open(trigger_id=body["trigger_id"], view=reject_modal(request).to_dict())

    @app.view(View.REJECT_REASON.value)
    def reject_with_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reason = text_input(view, Field.REJECT_REASON)
        if not reason:
            ack(response_action="errors", errors={Field.REJECT_REASON.value: "Say why, for the requester."})
            return
        try:
            admin = s.directory.actor(body["user"]["id"], body.get("team", {}).get("id", ""))
            request, won = s.requests.reject(view["private_metadata"], admin, reason)
        except NotebookBotError as e:
            ack(response_action="errors", errors={Field.REJECT_REASON.value: said(e)[:150]})
            return
        if won:
            ack()
            return
        # Someone else decided while this dialog was open: say who and when, instead of closing in silence.
        try:
            told = messages.already_decided(request, _decided_at(s, request))
        except Exception:
            told = unexpected("telling who decided first")
        ack(response_action="update", view=notice_modal("Not rejected", told).to_dict())

    @app.action(Action.OPEN.value)
    def open_link(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL itself, but still tells the app about the click


def _decided_at(s: SlackServices, request: EnvironmentRequest) -> datetime | None:
    return s.requests.decided_at(request)


def _on_behalf_of(view: dict[str, Any]) -> str:
    """The owner an admin's request form is for (``/notebook new @someone``), or ``""``."""
    try:
        return str(json.loads(view.get("private_metadata") or "{}").get(ON_BEHALF) or "")
    except (ValueError, AttributeError):
        return ""


def _both_told(s: SlackServices, client: WebClient, request: EnvironmentRequest, admin: str) -> None:
    """On someone's behalf: the owner hears who asked for it (their progress DM follows), the admin hears back."""
    name = request.display_name
    s.notifier.tell_owner(request, "on-behalf", AskedOnBehalf(name, request.id, admin))
    client.chat_postMessage(
        channel=admin,
        text=f"You asked for *{name}* (`{request.id}`) on behalf of <@{request.owner_user_id}>; they are told.",
    )


def _ephemeral(respond: Respond) -> Any:
    return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)
