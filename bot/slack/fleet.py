"""Listeners of the admins' fleet in App Home (filters, pages, bulk actions with their confirmation, approving
several at once) and of ``/notebook list``'s pages. Every listener acks first; the workflow checks who clicked."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View as SlackView

from bot.domain.errors import NotebookBotError, Refused
from bot.domain.fleet import FleetFilter
from bot.domain.people import Person
from bot.slack.context import SlackServices
from bot.slack.fleet_blocks import ANY, FleetState, picked
from bot.slack.home import publish_home
from bot.slack.ids import Action, View
from bot.slack.lifecycle_commands import list_blocks
from bot.slack.replies import explained
from bot.slack.texts import context, fit, section, words
from bot.workflow.fleet import Bulk, BulkOutcome, Fleet

log = logging.getLogger(__name__)

_FILTERS = {
    Action.FLEET_STATE.value: "state",
    Action.FLEET_TEMPLATE.value: "template",
    Action.FLEET_OWNER.value: "owner",
    Action.FLEET_TEAM.value: "team",
    Action.FLEET_STOPPED.value: "stopped_days",
}
_SHOWN_IN_CONFIRM = 20
_IDS_IN_METADATA = 250  # 3000 characters of private_metadata hold about this many request ids


def chosen(action: dict[str, Any]) -> str:
    """The value an admin picked in a select (``""`` for "any")."""
    if action.get("type") == "users_select":
        return str(action.get("selected_user") or "")
    value = str((action.get("selected_option") or {}).get("value") or "")
    return "" if value == ANY else value


def refiltered(state: FleetState, field: str, value: str) -> FleetState:
    """The admin's view with one filter changed, back on its first page."""
    record: dict[str, Any] = {**state.wanted.to_record(), field: value}
    return FleetState(FleetFilter.from_record(record), 0)


def bulk_confirmation(kind: Bulk, names: list[str], ids: list[str], threshold: str) -> SlackView:
    """Asks before stopping or deleting many: how many, which (the first few), and what it does."""
    verb = "Stop" if kind == "stop" else "Delete"
    shown = ", ".join(f"*{words(n)}*" for n in names[:_SHOWN_IN_CONFIRM])
    more = f" and {len(names) - _SHOWN_IN_CONFIRM} more" if len(names) > _SHOWN_IN_CONFIRM else ""
    what = (
        "Each is stopped as if its Stop button were clicked; its owner can start it again."
        if kind == "stop"
        else "Each gets a removal pull request that deletes it with everything on its disks; owners are told."
    )
    blocks: list[Block] = [section(fit(f"{verb} {len(ids)} environment(s) {threshold}: {shown}{more}.", 3000))]
    blocks.append(context(f"{what} Any that changed meanwhile is left alone. Each is audited as your action."))
    return SlackView(
        type="modal",
        callback_id=View.CONFIRM_BULK.value,
        title=f"{verb} {len(ids)}"[:24],
        submit=verb,
        close="Cancel",
        private_metadata=json.dumps({"k": kind, "ids": ids}),
        blocks=blocks,
    )


def outcome_text(what: str, outcome: BulkOutcome) -> str:
    text = f"{what}: {len(outcome.done)} done" + (f" ({', '.join(outcome.done[:30])})" if outcome.done else "")
    if outcome.skipped:
        text += f"; {len(outcome.skipped)} left alone:\n• " + "\n• ".join(outcome.skipped[:30])
    return fit(text, 3900)


def register(app: App, s: SlackServices) -> None:
    """Adds the fleet's listeners (passed to ``build_bolt_app(extras=...)``)."""

    def the_fleet() -> Fleet:
        assert s.fleet is not None
        return s.fleet

    def actor(body: dict[str, Any]) -> Person:
        return s.directory.actor(body["user"]["id"], (body.get("team") or {}).get("id", ""))

    def dm(client: WebClient, user: str) -> Any:
        return lambda text: client.chat_postMessage(channel=user, text=fit(text, 3900))

    def republish(client: WebClient, body: dict[str, Any], state: FleetState | None = None) -> None:
        user = body["user"]["id"]
        kept = state.dump() if state else (body.get("view") or {}).get("private_metadata")
        try:
            publish_home(s, client, user, fleet_state=kept)
        except NotebookBotError as e:
            dm(client, user)(e.message)
        except Exception:
            log.exception("could not publish the fleet of %s", user)

    @app.action(re.compile("^(" + "|".join(_FILTERS) + ")$"))
    def filter_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        state = FleetState.parse((body.get("view") or {}).get("private_metadata"))
        republish(client, body, refiltered(state, _FILTERS[action["action_id"]], chosen(action)))

    @app.action(Action.FLEET_CLEAR.value)
    def cleared(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        republish(client, body, FleetState())

    @app.action(re.compile(f"^{Action.FLEET_PAGE.value}:"))
    def paged(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        state = FleetState.parse((body.get("view") or {}).get("private_metadata"))
        to = int(json.loads(body["actions"][0].get("value") or "{}").get("p") or 0)
        republish(client, body, dataclasses.replace(state, page=to))

    @app.action(Action.FLEET_PICK_PENDING.value)
    def pick(ack: Ack) -> None:
        ack()  # the choice travels with the Approve selected click, in the view's state

    @app.action(Action.FLEET_APPROVE_PICKED.value)
    def approve_picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        with explained("approving several requests", dm(client, user)):
            ids = picked(body.get("view") or {})
            if not ids:
                raise Refused("Tick the requests to approve first, then click *Approve selected*.")
            outcome = the_fleet().approve_many(actor(body), ids)
            dm(client, user)(outcome_text("✅ Approved", outcome))
        republish(client, body)

    def ask_bulk(kind: Bulk) -> Any:
        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            user = body["user"]["id"]
            with explained(f"preparing a bulk {kind}", dm(client, user)):
                admin = actor(body)
                found = the_fleet().candidates(kind, admin)[:_IDS_IN_METADATA]
                if not found:
                    raise Refused(f"Nothing to {kind} now: the fleet changed since this page was drawn.")
                f = s.policy.fleet
                threshold = (
                    f"running for more than {f.bulk_stop_running_hours} hours"
                    if kind == "stop"
                    else f"stopped for more than {f.bulk_delete_stopped_days} days"
                )
                view = bulk_confirmation(kind, [r.display_name for r in found], [r.id for r in found], threshold)
                client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())

        listener.__name__ = f"ask_bulk_{kind}"
        return listener

    app.action(Action.FLEET_BULK_STOP.value)(ask_bulk("stop"))
    app.action(Action.FLEET_BULK_DELETE.value)(ask_bulk("delete"))

    @app.view(View.CONFIRM_BULK.value)
    def confirm_bulk(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()  # closes the dialog; the work (Google, GitHub) runs after, and the admin hears by DM
        user = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        kind: Bulk = "delete" if meta.get("k") == "delete" else "stop"
        ids = [str(i) for i in meta.get("ids") or []]

        def work() -> None:
            with explained(f"a bulk {kind}", dm(client, user)):
                outcome = the_fleet().bulk(actor(body), kind, ids)
                dm(client, user)(outcome_text("⏹️ Bulk stop" if kind == "stop" else "🗑️ Bulk delete", outcome))
            republish(client, body, FleetState())

        s.deps.background.submit(f"bulk {kind} by {user}", work)

    @app.action(re.compile(f"^{Action.LIST_PAGE.value}:"))
    def list_paged(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        say = lambda text: respond(text=text, response_type="ephemeral", replace_original=False)  # noqa: E731
        with explained("showing another page", say):
            raw = json.loads(body["actions"][0].get("value") or "{}")
            words_typed = [str(w) for w in raw.get("w") or []]
            found, wanted = s.life.list_all(actor(body), words_typed)
            blocks = list_blocks(s, found, wanted, int(raw.get("p") or 0))
            respond(text=f"{len(found)} environment(s)", blocks=[b.to_dict() for b in blocks], replace_original=True)
