"""Slack: the token, its scopes against the app manifest, the admin channel, the policy's user groups."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.policy import Policy
from bot.doctor.report import Check, fail, ok, warn

MANIFEST = Path("deploy") / "slack-app-manifest.yaml"
_REVOKED = {
    "invalid_auth",
    "token_revoked",
    "account_inactive",
    "not_authed",
    "token_expired",
    "not_allowed_token_type",
}
_REINSTALL = "reinstall the app (api.slack.com/apps → OAuth & Permissions → Reinstall to Workspace)"


def manifest_scopes(path: Path) -> list[str] | None:
    """The bot scopes the app manifest asks for, or None when the file cannot be read."""
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        scopes = manifest["oauth_config"]["scopes"]["bot"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return [str(s) for s in scopes] if isinstance(scopes, list) else None


def policy_usergroups(policy: Policy) -> dict[str, str]:
    """Every user group the policy names, with where it is named."""
    found: dict[str, str] = {}
    if policy.slack.admin_usergroup:
        found.setdefault(policy.slack.admin_usergroup, "slack.admin_usergroup")
    for t in policy.templates:
        for g in t.usergroups:
            found.setdefault(g, f"templates[{t.id}].usergroups")
    for i, team in enumerate(policy.identity.teams):
        for g in team.usergroups:
            found.setdefault(g, f"identity.teams[{i}].usergroups")
    for i, rule in enumerate(policy.approval.auto):
        for g in rule.usergroups:
            found.setdefault(g, f"approval.auto[{i}].usergroups")
    return found


def slack_checks(client: WebClient, policy: Policy, wanted: list[str] | None, manifest: str) -> list[Check]:
    """Checks the live workspace through ``client`` (its token and base URL are the bot's own)."""
    if not client.token:
        return [
            fail("Slack: SLACK_BOT_TOKEN is not set", "set it to the bot token (xoxb-...) from OAuth & Permissions")
        ]
    try:
        answer = client.auth_test()
    except SlackApiError as e:
        error = str(e.response.get("error", "unknown_error"))
        if error in _REVOKED:
            return [fail(f"Slack: the bot token is refused ({error})", f"{_REINSTALL} and set SLACK_BOT_TOKEN")]
        return [fail(f"Slack: auth.test failed ({error})", "check SLACK_BOT_TOKEN and SLACK_API_URL")]
    except OSError as e:
        return [
            fail(f"Slack: cannot reach {client.base_url} ({type(e).__name__})", "check SLACK_API_URL and the network")
        ]
    checks = [ok(f"Slack: token valid — <@{answer.get('user_id')}> in {answer.get('team') or answer.get('team_id')}")]
    checks.append(_scopes(answer.headers, wanted, manifest))
    checks.append(_admin_channel(client, policy.slack.admin_channel))
    checks.extend(_usergroups(client, policy))
    return checks


def _scopes(headers: Mapping[str, Any], wanted: list[str] | None, manifest: str) -> Check:
    raw = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if wanted is None:
        return warn(f"Slack: scopes not compared: {manifest} could not be read", "run doctor with --manifest PATH")
    if raw is None:
        return warn("Slack: Slack did not say which scopes the token has (no x-oauth-scopes header)")
    granted = {s.strip() for s in str(raw[0] if isinstance(raw, list) else raw).split(",") if s.strip()}
    missing = [s for s in wanted if s not in granted]
    if missing:
        return fail(
            f"Slack: the token lacks scope(s) {', '.join(missing)} that {manifest} asks for",
            f"add them under OAuth & Permissions (or update the app from {manifest}), then {_REINSTALL}",
        )
    extra = sorted(granted - set(wanted))
    if extra:
        return warn(
            f"Slack: scopes granted beyond the manifest: {', '.join(extra)}", "remove what the bot does not use"
        )
    return ok(f"Slack: scopes match {manifest} ({len(wanted)})")


def _admin_channel(client: WebClient, channel: str) -> Check:
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as e:
        error = str(e.response.get("error", "unknown_error"))
        if error == "missing_scope":
            needed = e.response.get("needed") or "channels:read / groups:read"
            return warn(
                f"Slack: cannot see whether the bot is in the admin channel {channel} (missing scope {needed})",
                f"grant {needed} to let doctor check, or make sure `/invite @notebook-bot` was done there",
            )
        if error == "channel_not_found":
            return fail(
                f"Slack: admin channel {channel} not found (or private and the bot is not in it)",
                f"run `/invite @notebook-bot` in the admin channel, or correct slack.admin_channel ({channel})",
            )
        return fail(f"Slack: conversations.info {channel} failed ({error})", "check slack.admin_channel")
    except OSError as e:
        return fail(f"Slack: conversations.info failed ({type(e).__name__})", "check SLACK_API_URL and the network")
    data = info.get("channel") or {}
    name = f"#{data.get('name')}" if data.get("name") else channel
    if data.get("is_archived"):
        return fail(f"Slack: admin channel {name} is archived", "unarchive it, or set slack.admin_channel to another")
    if not data.get("is_member"):
        return fail(f"Slack: the bot is not in the admin channel {name}", f"run `/invite @notebook-bot` in {name}")
    return ok(f"Slack: the bot is in the admin channel {name}")


def _usergroups(client: WebClient, policy: Policy) -> list[Check]:
    named = policy_usergroups(policy)
    if not named:
        return []
    try:
        listed = client.usergroups_list(include_disabled=True)
    except SlackApiError as e:
        error = str(e.response.get("error", "unknown_error"))
        fix = "grant usergroups:read, then " + _REINSTALL if error == "missing_scope" else "try again later"
        return [fail(f"Slack: cannot list user groups ({error})", fix)]
    except OSError as e:
        return [fail(f"Slack: usergroups.list failed ({type(e).__name__})", "check SLACK_API_URL and the network")]
    groups = {str(g.get("id")): g for g in listed.get("usergroups") or []}
    checks = []
    for group, where in named.items():
        found = groups.get(group)
        if found is None:
            checks.append(
                fail(
                    f"Slack: user group {group} ({where}) does not exist in this workspace",
                    "copy the group's ID from Slack (People → User groups) into the policy",
                )
            )
        elif found.get("date_delete"):
            checks.append(fail(f"Slack: user group {group} ({where}) is disabled", "enable it in Slack, or remove it"))
        else:
            checks.append(ok(f"Slack: user group @{found.get('handle') or group} ({where}) exists"))
    return checks
