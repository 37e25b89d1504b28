"""What the Slack listeners work with (built by the app factory)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.config.policy import Policy
from bot.domain.people import Person
from bot.slack.people import Directory
from bot.store.base import Store
from bot.workflow.fleet import Fleet
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.requests import Requests


@dataclass
class SlackServices:
    deps: Deps
    requests: Requests
    provisioning: Provisioning
    directory: Directory
    lifecycle: Lifecycle  # start, stop, extend, delete, list, audit, retry, App Home
    fleet: Fleet | None = None  # the admins' fleet: pages, filters, bulk actions, approving several

    @property
    def life(self) -> Lifecycle:
        return self.lifecycle

    @property
    def policy(self) -> Policy:
        return self.deps.policy

    @property
    def store(self) -> Store:
        return self.deps.store


@dataclass
class Invocation:
    """One ``/notebook`` subcommand as typed: who, with which words, and how to answer them."""

    services: SlackServices
    person: Person
    args: list[str]
    respond: Respond
    body: dict[str, Any]
    client: WebClient
