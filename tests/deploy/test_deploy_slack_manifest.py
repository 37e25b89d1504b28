"""The Slack app manifests are accepted by Slack's schema and carry what the bot needs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

REPO = Path(__file__).resolve().parents[2]
# Slack's app-manifest JSON schema, kept in the repository so that a clone on its own can run the tests
# (where it came from: tests/reference/README.md).
SCHEMA = REPO / "tests" / "reference" / "slack-manifest.schema.json"
HTTP_MANIFEST = REPO / "deploy" / "slack-app-manifest.yaml"
SOCKET_MANIFEST = REPO / "deploy" / "slack-app-manifest.socket.yaml"

# The scopes each Web API method the bot calls needs (https://api.slack.com/methods, "Required scopes"), and
# what else the bot relies on. A method the bot starts calling must be added here, with its scope.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "views_open": set(),
    "views_update": set(),
    "views_publish": set(),
    "users_info": {"users:read"},
    "usergroups_users_list": {"usergroups:read"},
    "usergroups_list": {"usergroups:read"},  # notebook-bot doctor: the policy's user groups exist
    "auth_test": set(),
    "apps_connections_open": set(),  # Socket Mode: the app-level token's connections:write, not a bot scope
    "conversations_open": {"im:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "users_lookupByEmail": {"users:read.email"},
}
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "message.im": {"im:history"},
    "user_change": {"users:read"},
    "subteam_members_changed": {"usergroups:read"},
    "subteam_updated": {"usergroups:read"},
}
# Not a method call: the slash command, the email in users.info's profile (the environment's owner), and
# posting cards in a public admin channel the bot was never invited to (no not_in_channel there).
ALWAYS = {"commands", "users:read.email", "chat:write.public"}
USAGE = "new | status | start NAME | stop NAME | extend NAME | delete NAME | list | audit ID | help"


def called_methods() -> set[str]:
    """Every Slack Web API method the bot's code calls (``client.chat_postMessage(...)`` and the like)."""
    api = {n for n in dir(WebClient) if not n.startswith("_") and not hasattr(BaseClient, n)}
    called: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        if "demo" in path.parts:  # the demo's loopback Slack is not the bot calling Slack
            continue
        called |= {m for m in re.findall(r"\.([A-Za-z_]+)\(", path.read_text(encoding="utf-8")) if m in api}
    return called


def needed_scopes(events: list[str]) -> set[str]:
    methods = called_methods()
    unknown = sorted(methods - METHOD_SCOPES.keys()) + sorted(set(events) - EVENT_SCOPES.keys())
    assert not unknown, f"add the scopes of {unknown} to this test's tables"
    scopes = set(ALWAYS)
    for method in methods:
        scopes |= METHOD_SCOPES[method]
    for event in events:
        scopes |= EVENT_SCOPES[event]
    return scopes


def test_the_code_calls_what_the_scope_table_expects() -> None:
    methods = called_methods()
    assert {"chat_postMessage", "chat_update", "views_open", "users_info", "usergroups_users_list"} <= methods
    assert "conversations_open" not in methods  # so im:write is not asked for


def load(path: Path) -> dict[str, Any]:
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", [HTTP_MANIFEST, SOCKET_MANIFEST], ids=["http", "socket"])
def test_manifest_is_accepted_by_slacks_schema(validator: jsonschema.protocols.Validator, path: Path) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(load(path))]
    assert errors == []


@pytest.mark.parametrize("path", [HTTP_MANIFEST, SOCKET_MANIFEST], ids=["http", "socket"])
def test_both_variants_offer_the_same_app(path: Path) -> None:
    manifest = load(path)
    features, settings = manifest["features"], manifest["settings"]
    (command,) = features["slash_commands"]
    assert command["command"] == "/notebook"
    assert command["description"]
    assert command["usage_hint"] == USAGE
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True  # approvals and links arrive as DMs
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed_scopes(
        settings["event_subscriptions"]["bot_events"]
    )
    # The directory learns of changes to people and user groups as they happen (bot/slack/directory_events.py);
    # a message typed to the bot is answered with help.
    assert {"app_home_opened", "message.im", "user_change", "subteam_updated", "subteam_members_changed"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert command["should_escape"] is True  # `/notebook list @alice` arrives as <@U…|alice>
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_http_manifest_sends_everything_to_the_one_bolt_endpoint() -> None:
    manifest = load(HTTP_MANIFEST)
    settings = manifest["settings"]
    urls = [
        manifest["features"]["slash_commands"][0]["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert settings["socket_mode_enabled"] is False


def test_socket_manifest_has_no_request_urls() -> None:
    manifest = load(SOCKET_MANIFEST)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "https://" not in json.dumps(manifest)
