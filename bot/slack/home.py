"""The App Home tab: the person's environments with live state and their buttons, and New notebook."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
)
from slack_sdk.models.views import View as SlackView

from bot.config.policy import Policy
from bot.domain import rules
from bot.domain.people import Person
from bot.domain.states import FINAL, State
from bot.slack.context import SlackServices
from bot.slack.environments import HOME_BLOCKS, environment_list
from bot.slack.ids import Action, View
from bot.slack.spend import home_spend_blocks
from bot.workflow.live import EnvironmentView

_ENDED_SHOWN = 10  # a context block holds at most 10 elements


def home_view(
    views: list[EnvironmentView],
    policy: Policy,
    *,
    pending_approvals: int | None = None,
    extra: list[Block] | None = None,
) -> SlackView:
    """Live environments with buttons; ended ones as one compact line each; at most 100 blocks."""
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
        top.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"Admin: {pending_approvals} request(s) wait for approval · `/notebook list pending`"
                    )
                ]
            )
        )
    top += extra or []  # the person's spend this month (bot/slack/spend.py)
    tail: list[Block] = []
    if ended:
        tail.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"~{v.request.display_name}~ {v.request.state.label} `{v.request.id}`")
                    for v in ended[:_ENDED_SHOWN]
                ]
            )
        )
    budget = HOME_BLOCKS - len(top) - len(tail)
    blocks = (
        top
        + environment_list(
            live, policy, title="Environments", budget=budget, empty="None yet: *New notebook* asks for one."
        )
        + tail
    )
    return SlackView(type="home", callback_id=View.HOME.value, blocks=blocks)


def publish_home(s: SlackServices, client: WebClient, user_id: str, person: Person | None = None) -> None:
    """Publishes the person's Home tab (each open, and after they act from it)."""
    assert s.lifecycle is not None
    person = person or s.directory.person(user_id)
    pending = None
    if rules.is_admin(person, s.policy):
        pending = len(s.store.find(states=[State.PENDING_APPROVAL]))
    spend = home_spend_blocks(s, person, lambda: publish_home(s, client, user_id, person))
    view = home_view(s.lifecycle.overview(person), s.policy, pending_approvals=pending, extra=spend)
    client.views_publish(user_id=user_id, view=view.to_dict())
