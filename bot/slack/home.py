"""The App Home tab: the person's environments with live state and their buttons, and New notebook."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock
from slack_sdk.models.views import View as SlackView

from bot.config.policy import Policy
from bot.domain import rules
from bot.domain.people import Person
from bot.domain.states import FINAL, State
from bot.slack.context import SlackServices
from bot.slack.environments import HOME_BLOCKS, environment_list
from bot.slack.fleet_blocks import FleetState, fleet_blocks
from bot.slack.ids import Action, View
from bot.slack.spend import home_spend_blocks
from bot.slack.texts import context, words
from bot.workflow.live import EnvironmentView

log = logging.getLogger(__name__)

_ENDED_SHOWN = 10  # a context block holds at most 10 elements


def home_view(
    views: list[EnvironmentView],
    policy: Policy,
    *,
    pending_approvals: int | None = None,
    extra: list[Block] | None = None,
    fleet: list[Block] | None = None,
    private_metadata: str = "",
) -> SlackView:
    """Live environments with buttons; ended ones as one compact line each; for admins, one page of the
    fleet after them; at most 100 blocks."""
    fleet = fleet or []
    live = [v for v in views if v.request.state not in FINAL]
    ended = [v for v in views if v.request.state in FINAL]
    top: list[Block] = [
        HeaderBlock(text="Your notebooks"),
        ActionsBlock(
            block_id="home:new",
            elements=[ButtonElement(text="New notebook", action_id=Action.NEW.value, value="new", style="primary")],
        ),
    ]
    if pending_approvals is not None:
        top.append(context(f"Admin: {pending_approvals} request(s) wait for approval · `/notebook list pending`"))
    top += extra or []  # the person's spend this month (bot/slack/spend.py)
    tail: list[Block] = []
    if ended:
        tail.append(
            context(
                *(
                    f"~{words(v.request.display_name)}~ {v.request.state.label} `{v.request.id}`"
                    for v in ended[:_ENDED_SHOWN]
                )
            )
        )
    budget = HOME_BLOCKS - len(top) - len(tail) - len(fleet)
    blocks = (
        top
        + environment_list(
            live, policy, title="Environments", budget=budget, empty="None yet: *New notebook* asks for one."
        )
        + tail
        + fleet
    )
    return SlackView(type="home", callback_id=View.HOME.value, blocks=blocks, private_metadata=private_metadata)


def publish_home(
    s: SlackServices, client: WebClient, user_id: str, person: Person | None = None, fleet_state: str | None = None
) -> None:
    """Publishes the person's Home tab (each open, and after they act from it). ``fleet_state`` is the
    admin's filter and page as the Home they clicked in kept it, so a click does not lose their place."""
    assert s.lifecycle is not None
    person = person or s.directory.person(user_id)
    pending = None
    fleet: list[Block] = []
    metadata = ""
    if rules.is_admin(person, s.policy):
        pending = len(s.store.find(states=[State.PENDING_APPROVAL]))
        if s.fleet is not None:
            state = FleetState.parse(fleet_state)
            page = s.fleet.page(person, state.wanted, state.page)
            fleet = fleet_blocks(page, s.policy, s.deps.clock())
            metadata = FleetState(state.wanted, page.page).dump()
    spend = home_spend_blocks(s, person, lambda: publish_home(s, client, user_id, person, fleet_state))
    view = home_view(
        s.lifecycle.overview(person),
        s.policy,
        pending_approvals=pending,
        extra=spend,
        fleet=fleet,
        private_metadata=metadata,
    )
    client.views_publish(user_id=user_id, view=view.to_dict())


class HomeRefresh:
    """Publishes a person's Home again when their environments change, so no stale button stays live.

    The publish runs as background work (it asks Google for live states), never in the caller's way.
    ``views.publish`` is Tier 4 (about 100 a minute): changes of one person's environments that come while
    a publish of their Home is queued or in flight fold into one more publish of the newest state.
    """

    def __init__(self, publish: Callable[[str], None], submit: Callable[[str, Callable[[], None]], None]) -> None:
        self._publish = publish
        self._submit = submit
        self._queued: set[str] = set()
        self._publishing: set[str] = set()
        self._again: set[str] = set()
        self._lock = threading.Lock()

    def changed(self, user_id: str) -> None:
        with self._lock:
            if user_id in self._queued:
                return
            self._queued.add(user_id)
        self._submit(f"home of {user_id}", lambda: self._run(user_id))

    def _run(self, user_id: str) -> None:
        with self._lock:
            self._queued.discard(user_id)
            if user_id in self._publishing:  # the publish in flight goes once more, with the newest state
                self._again.add(user_id)
                return
            self._publishing.add(user_id)
        try:
            while True:
                try:
                    self._publish(user_id)
                except Exception:  # cosmetic: the next change or the next open publishes it
                    log.exception("could not publish the Home tab of %s", user_id)
                with self._lock:
                    if user_id not in self._again:
                        return
                    self._again.discard(user_id)
        finally:
            with self._lock:
                self._publishing.discard(user_id)
                self._again.discard(user_id)
