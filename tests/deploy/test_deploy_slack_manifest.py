"""The Slack app manifests are accepted by Slack's schema and carry what the bot needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# Slack's app-manifest JSON schema, kept in the repository so that a clone on its own can run the tests
# (where it came from: tests/reference/README.md).
SCHEMA = REPO / "tests" / "reference" / "slack-manifest.schema.json"
HTTP_MANIFEST = REPO / "deploy" / "slack-app-manifest.yaml"
SOCKET_MANIFEST = REPO / "deploy" / "slack-app-manifest.socket.yaml"

BOT_SCOPES = {"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read"}
USAGE = "new | status | start NAME | stop NAME | extend NAME | delete NAME | list | audit ID | help"


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
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    # The directory learns of changes to people and user groups as they happen (bot/slack/directory_events.py).
    assert {"app_home_opened", "user_change", "subteam_updated", "subteam_members_changed"} <= set(
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
