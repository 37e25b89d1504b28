"""What the Slack listeners work with (built by the app factory)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.config.policy import Policy
from bot.domain.people import Person
from bot.slack.people import Directory
from bot.slack.request_forms import RequestForms
from bot.workflow.fleet import Fleet
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.ports import Background, Clock, Notifier
from bot.workflow.requests import Requests


@dataclass
class SlackServices:
    """The workflow's services and the narrow ports the listeners need, never the store itself: what a
    listener reads or changes goes through the workflow, which checks and audits it."""

    policy: Policy
    requests: Requests  # submit, approve, reject, the templates offered, pending approvals
    directory: Directory
    lifecycle: Lifecycle  # start, stop, extend, delete, list, audit, retry, App Home
    background: Background
    notifier: Notifier
    clock: Clock
    fleet: Fleet | None = None  # the admins' fleet: pages, filters, bulk actions, approving several

    @property
    def life(self) -> Lifecycle:
        return self.lifecycle

    @cached_property
    def request_forms(self) -> RequestForms:
        """The ``/notebook new`` form, built once per templates offered (the policy does not change)."""
        return RequestForms(self.policy)


@dataclass
class Invocation:
    """One ``/notebook`` subcommand as typed: who, with which words, and how to answer them."""

    services: SlackServices
    person: Person
    args: list[str]
    respond: Respond
    body: dict[str, Any]
    client: WebClient
