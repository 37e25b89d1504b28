"""Who is who: Slack users and the user groups the policy names, looked up through the Web API, cached."""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.policy import Policy
from bot.domain.errors import TryAgainLater
from bot.domain.people import Person


class Directory:
    """Turns a Slack user ID into a Person. Results are cached for ``ttl`` seconds."""

    # Ten minutes: longer than it takes to fill the form, so submitting it needs no lookup before the ack.
    def __init__(self, client: WebClient, policy: Policy, *, ttl: float = 600.0) -> None:
        self.client = client
        self.policy = policy
        self.ttl = ttl
        self._people: dict[str, tuple[float, Person]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _groups_named(self) -> set[str]:
        groups = {g for t in self.policy.templates for g in t.usergroups}
        groups |= {g for team in self.policy.identity.teams for g in team.usergroups}
        groups |= {g for rule in self.policy.approval.auto for g in rule.usergroups}
        if self.policy.slack.admin_usergroup:
            groups.add(self.policy.slack.admin_usergroup)
        return groups

    def members(self, usergroup: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._groups.get(usergroup)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        try:
            resp = self.client.usergroups_users_list(usergroup=usergroup)
            members = frozenset(resp.get("users") or [])
        except SlackApiError as e:
            if e.response.status_code == 429:
                raise TryAgainLater("Slack is busy and could not list a user group; try again in a moment.") from e
            members = frozenset()  # an unknown or disabled group grants nothing
        except OSError as e:  # a timeout: better to say so than to decide on half the facts
            raise TryAgainLater("Slack did not answer in time; try again in a moment.") from e
        with self._lock:
            self._groups[usergroup] = (now, members)
        return members

    def person(self, user_id: str, team_id: str = "") -> Person:
        """The person behind ``user_id``, with the policy's user groups they belong to."""
        now = time.monotonic()
        with self._lock:
            cached = self._people.get(user_id)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        try:
            user: dict[str, Any] = self.client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            raise TryAgainLater(f"Slack did not tell who you are ({e.response.get('error')}); try again.") from e
        except OSError as e:
            raise TryAgainLater("Slack did not answer in time; try again in a moment.") from e
        profile = user.get("profile") or {}
        groups = frozenset(g for g in self._groups_named() if user_id in self.members(g))
        person = Person(
            user_id=user_id,
            team_id=user.get("team_id") or team_id,
            email=profile.get("email"),
            name=profile.get("real_name") or user.get("real_name") or user.get("name") or user_id,
            is_restricted=bool(user.get("is_restricted")),
            is_ultra_restricted=bool(user.get("is_ultra_restricted")),
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            usergroups=groups,
            tz=user.get("tz") or None,
        )
        with self._lock:
            self._people[user_id] = (now, person)
        return person
