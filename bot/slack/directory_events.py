"""Slack's change events that keep the directory current: ``user_change``, ``subteam_updated``,
``subteam_members_changed`` (subscribed to in the app manifests). Bolt acks events before these run."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.context import SlackServices


def register(app: App, s: SlackServices) -> None:
    """Adds the directory's event listeners (passed to ``build_bolt_app(extras=...)``)."""

    @app.event("user_change")
    def user_changed(event: dict[str, Any]) -> None:
        s.directory.user_changed(event.get("user") or {})

    @app.event("subteam_updated")
    def group_changed(event: dict[str, Any]) -> None:
        s.directory.group_changed(event.get("subteam") or {})

    @app.event("subteam_members_changed")
    def group_members_changed(event: dict[str, Any]) -> None:
        s.directory.group_members_changed(
            str(event.get("subteam_id") or ""), event.get("added_users") or [], event.get("removed_users") or []
        )
