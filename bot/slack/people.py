"""Who is who, without waiting on Slack before an ack.

What Slack says of a user (``users.info``: email, guest flags, deleted, bot, time zone) and of the user groups
the policy names (``usergroups.users.list``) is kept in the store's directory, shared by every instance.
Change events (``user_change``, ``subteam_updated``, ``subteam_members_changed``) keep it current; a TTL
catches what no event told. A lookup reads the store once; only what is missing or expired is asked of Slack,
all of it at once (one round trip, each key asked once per process however many wait for it), and never
waited on past a hard budget: Slack's answer still lands in the store for the next lookup.

Identity is never granted on expired facts: an expired user whose refresh misses the budget is unknown (the
caller says "try again" or shows a placeholder), unless those facts already refuse them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.policy import Policy
from bot.domain import rules
from bot.domain.errors import Refused, TryAgainLater
from bot.domain.people import Person
from bot.store.base import DirectoryEntry, Store

log = logging.getLogger(__name__)

# Slack gives up on an ack (and a trigger_id) after 3 s: a lookup waits at most this long by default.
LOOKUP_BUDGET = 2.0
# ``/notebook new`` must leave time for ``views.open`` itself; past this it opens a placeholder instead.
MODAL_BUDGET = 0.5
# How long facts about a person are trusted without a change event: short, since identity is re-checked
# on every action from them. Groups past it are still used (their change events are subscribed to) while
# they are refreshed in the background.
TTL = timedelta(minutes=5)
SLOW = "Slack is slow to say who you are right now; try again in a few seconds."


def _now() -> datetime:
    return datetime.now(UTC)


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


def group_key(usergroup: str) -> str:
    return f"group:{usergroup}"


def user_entry(user: dict[str, Any], at: datetime) -> DirectoryEntry:
    """What the directory keeps of a Slack user object (from ``users.info`` or a ``user_change`` event)."""
    profile = user.get("profile") or {}
    user_id = str(user.get("id") or "")
    body = {
        "id": user_id,
        "team_id": user.get("team_id") or "",
        "email": profile.get("email"),
        "name": profile.get("real_name") or user.get("real_name") or user.get("name") or user_id,
        "is_restricted": bool(user.get("is_restricted")),
        "is_ultra_restricted": bool(user.get("is_ultra_restricted")),
        "deleted": bool(user.get("deleted")),
        "is_bot": bool(user.get("is_bot")) or user_id == "USLACKBOT",
        "tz": user.get("tz") or None,
    }
    handle = str(user.get("name") or "").lower() or None
    return DirectoryEntry(user_key(user_id), body, at, handle=handle)


def group_entry(usergroup: str, users: Iterable[str], at: datetime) -> DirectoryEntry:
    return DirectoryEntry(group_key(usergroup), {"users": sorted(set(users))}, at)


class Directory:
    """Turns a Slack user ID into a Person from the store's directory, refreshed from Slack in the background."""

    def __init__(
        self,
        client: WebClient,
        policy: Policy,
        store: Store,
        *,
        clock: Callable[[], datetime] = _now,
        ttl: timedelta = TTL,
        budget: float = LOOKUP_BUDGET,
        modal_budget: float = MODAL_BUDGET,
    ) -> None:
        self.client = client
        self.policy = policy
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.budget = budget
        self.modal_budget = modal_budget
        self._in_flight: dict[str, Future[DirectoryEntry]] = {}
        self._lock = threading.Lock()

    def groups_named(self) -> set[str]:
        """Every user group the policy mentions (templates, teams, auto-approval, admins)."""
        groups = {g for t in self.policy.templates for g in t.usergroups}
        groups |= {g for team in self.policy.identity.teams for g in team.usergroups}
        groups |= {g for rule in self.policy.approval.auto for g in rule.usergroups}
        if self.policy.slack.admin_usergroup:
            groups.add(self.policy.slack.admin_usergroup)
        return groups

    # -- lookups -------------------------------------------------------------------------------------

    def person(self, user_id: str, team_id: str = "", *, budget: float | None = None) -> Person:
        """The person behind ``user_id``; TryAgainLater if Slack cannot say within ``budget`` seconds."""
        person = self.known(user_id, team_id, budget=budget)
        if person is None:
            raise TryAgainLater(SLOW)
        return person

    def actor(self, user_id: str, team_id: str = "", *, budget: float | None = None) -> Person:
        """The person behind an action, checked again: Refused if they may not act at all any more (turned
        guest, deactivated, left the allowed domains), whatever they own or were made admin of."""
        person = self.person(user_id, team_id, budget=budget)
        refusal = rules.identity_refusal(person, self.policy)
        if refusal:
            raise Refused(refusal)
        return person

    def known(self, user_id: str, team_id: str = "", *, budget: float | None = None) -> Person | None:
        """The person behind ``user_id``, or None if Slack could not say within ``budget`` seconds.

        Raises TryAgainLater when Slack refused to say (an error, a rate limit).
        """
        deadline = time.monotonic() + (self.budget if budget is None else budget)
        groups = sorted(self.groups_named())
        keys = [user_key(user_id), *(group_key(g) for g in groups)]
        now = self.clock()
        entries = self.store.directory_entries(keys)
        waits: dict[str, Future[DirectoryEntry]] = {}
        user = entries.get(user_key(user_id))
        if user is None or self._age(user, now) >= self.ttl:
            waits[user_key(user_id)] = self._refresh_user(user_id)
        elif self._age(user, now) >= self.ttl / 2:
            self._refresh_user(user_id)  # ahead of expiry, so that the next lookup finds it fresh
        for g in groups:
            cached = entries.get(group_key(g))
            if cached is None:
                waits[group_key(g)] = self._refresh_group(g)
            elif self._age(cached, now) >= self.ttl:
                self._refresh_group(g)
        for key, future in waits.items():
            try:
                entries[key] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                return self._refusing(user, entries, groups, team_id)
        answer = entries[user_key(user_id)]
        return _person(answer, entries, groups, team_id)

    def _refusing(
        self, user: DirectoryEntry | None, entries: dict[str, DirectoryEntry], groups: list[str], team_id: str
    ) -> Person | None:
        """Expired facts that already refuse the person may stand; expired facts that grant never do."""
        if user is None:
            return None
        person = _person(user, entries, groups, team_id)
        return person if rules.identity_refusal(person, self.policy) else None

    def _age(self, entry: DirectoryEntry, now: datetime) -> timedelta:
        return now - entry.fetched_at

    # -- asking Slack (in the background; each key once at a time) ------------------------------------

    def _once(self, key: str, ask: Callable[[], DirectoryEntry]) -> Future[DirectoryEntry]:
        with self._lock:
            running = self._in_flight.get(key)
            if running is not None:
                return running
            future: Future[DirectoryEntry] = Future()
            self._in_flight[key] = future

        def run() -> None:
            try:
                future.set_result(ask())
            except BaseException as e:  # handed to whoever waits; nobody may, so it is logged too
                log.info("directory lookup of %s failed: %s", key, e)
                future.set_exception(e)
            finally:
                with self._lock:
                    self._in_flight.pop(key, None)

        # A thread per question in flight (at most one per key): none lingers once Slack has answered.
        threading.Thread(target=run, name=f"directory-{key}", daemon=True).start()
        return future

    def _refresh_user(self, user_id: str) -> Future[DirectoryEntry]:
        def ask() -> DirectoryEntry:
            # Stamped with when the question was asked: a change event that arrives meanwhile is newer.
            asked = self.clock()
            try:
                user: dict[str, Any] = self.client.users_info(user=user_id)["user"]
            except SlackApiError as e:
                raise TryAgainLater(f"Slack did not tell who you are ({e.response.get('error')}); try again.") from e
            except OSError as e:
                raise TryAgainLater("Slack did not answer in time; try again in a moment.") from e
            entry = user_entry(user, asked)
            self._save(entry)
            return entry

        return self._once(user_key(user_id), ask)

    def _refresh_group(self, usergroup: str) -> Future[DirectoryEntry]:
        def ask() -> DirectoryEntry:
            asked = self.clock()
            try:
                members = self.client.usergroups_users_list(usergroup=usergroup).get("users") or []
            except SlackApiError as e:
                if e.response.status_code == 429:
                    raise TryAgainLater("Slack is busy and could not list a user group; try again in a moment.") from e
                members = []  # an unknown or disabled group grants nothing
            except OSError as e:  # a timeout: better to say so than to decide on half the facts
                raise TryAgainLater("Slack did not answer in time; try again in a moment.") from e
            entry = group_entry(usergroup, members, asked)
            self._save(entry)
            return entry

        return self._once(group_key(usergroup), ask)

    def _save(self, entry: DirectoryEntry) -> None:
        try:
            self.store.save_directory_entry(entry)
        except TryAgainLater:
            log.warning("could not keep %s in the directory: the store is away", entry.key)

    # -- change events -------------------------------------------------------------------------------

    def user_changed(self, user: dict[str, Any]) -> None:
        """A ``user_change`` event: Slack sends the whole user object, so no lookup is needed."""
        if user.get("id"):
            self._save(user_entry(user, self.clock()))

    def group_changed(self, subteam: dict[str, Any]) -> None:
        """A ``subteam_updated`` event: the group as it is now (its members when Slack includes them)."""
        usergroup = str(subteam.get("id") or "")
        if usergroup not in self.groups_named():
            return
        if subteam.get("date_delete"):
            self._save(group_entry(usergroup, [], self.clock()))
        elif isinstance(subteam.get("users"), list):
            self._save(group_entry(usergroup, subteam["users"], self.clock()))
        else:
            self._refresh_group(usergroup)

    def group_members_changed(self, usergroup: str, added: Iterable[str], removed: Iterable[str]) -> None:
        """A ``subteam_members_changed`` event: applied to the cached members, or the group is asked again."""
        if usergroup not in self.groups_named():
            return
        now = self.clock()
        cached = self.store.directory_entries([group_key(usergroup)]).get(group_key(usergroup))
        if cached is None:
            self._refresh_group(usergroup)
            return
        members = (set(cached.body.get("users") or []) | set(added)) - set(removed)
        self._save(group_entry(usergroup, members, max(now, cached.fetched_at)))

    def by_handle(self, handle: str) -> list[str]:
        """The user IDs the directory knows under the @handle ``handle``."""
        found = self.store.directory_by_handle(handle.lower().lstrip("@"))
        return [str(e.body.get("id")) for e in found if e.body.get("id")]


def _person(user: DirectoryEntry, entries: dict[str, DirectoryEntry], groups: list[str], team_id: str) -> Person:
    body = user.body
    user_id = str(body.get("id") or user.key.removeprefix("user:"))
    member_of = frozenset(
        g for g in groups if group_key(g) in entries and user_id in (entries[group_key(g)].body.get("users") or [])
    )
    return Person(
        user_id=user_id,
        team_id=str(body.get("team_id") or team_id),
        email=body.get("email"),
        name=str(body.get("name") or user_id),
        is_restricted=bool(body.get("is_restricted")),
        is_ultra_restricted=bool(body.get("is_ultra_restricted")),
        deleted=bool(body.get("deleted")),
        is_bot=bool(body.get("is_bot")),
        usergroups=member_of,
        tz=body.get("tz") or None,
    )
