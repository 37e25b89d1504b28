"""doctor's Slack half: the token, its scopes against the manifest, the admin channel, the policy's groups."""

from __future__ import annotations

from bot.demo.slack_api import channel
from tests.doctor.conftest import World


def test_a_correct_setup_passes_every_check_through_every_override(world: World) -> None:
    assert world.doctor() == 0, "\n".join(world.lines)
    assert not [line for line in world.lines if line.startswith(("✗", "⚠"))], world.lines
    assert world.lines[-1] == "All checks passed"
    assert world.line("Slack: token valid").startswith("✓")
    assert world.line("Slack: scopes match").startswith("✓")
    assert world.line("admin channel #notebook-admins").startswith("✓")
    assert world.line("S0ADMINS".lower()).startswith("✓") and world.line("s0data").startswith("✓")
    # Every call went to the loopback services named by the *_API_URL overrides.
    assert [c.method for c in world.slack.calls()] == ["auth.test", "conversations.info", "usergroups.list"]
    assert world.github.calls and world.google.calls_to(":testIamPermissions")
    assert world.google.calls_to("/services/notebooks.googleapis.com")
    assert world.google.calls_to("/compute/v1/projects/acme-analytics/regions/europe-west1/subnetworks/notebooks")


def test_a_revoked_token_is_one_line_with_the_fix_and_a_failing_exit(world: World) -> None:
    world.slack.state.token_error = "invalid_auth"
    assert world.doctor() == 1
    line = world.line("Slack:")
    assert line.startswith("✗ Slack: the bot token is refused (invalid_auth)") and "Reinstall to Workspace" in line
    assert world.lines[-1] == "1 problem(s) to fix"


def test_a_scope_the_manifest_asks_for_but_the_token_lacks_is_named(world: World) -> None:
    world.slack.state.scopes = [s for s in world.slack.state.scopes or [] if s != "usergroups:read"]
    assert world.doctor() == 1
    assert world.line("lacks scope").startswith("✗ Slack: the token lacks scope(s) usergroups:read that ")
    assert world.line("cannot list user groups").startswith("✗ Slack: cannot list user groups (missing_scope)")


def test_scopes_beyond_the_manifest_are_a_warning_not_a_failure(world: World) -> None:
    world.slack.state.scopes = [*(world.slack.state.scopes or []), "admin", "channels:history"]
    assert world.doctor() == 0
    assert world.line("beyond the manifest").startswith(
        "⚠ Slack: scopes granted beyond the manifest: admin, channels:history"
    )


def test_the_bot_missing_from_the_admin_channel_says_to_invite_it(world: World) -> None:
    world.slack.state.channels["C0ADMINS"] = channel("C0ADMINS", "notebook-admins", is_member=False)
    assert world.doctor() == 1
    assert world.line("admin channel") == (
        "✗ Slack: the bot is not in the admin channel #notebook-admins — fix: run `/invite @notebook-bot` in "
        "#notebook-admins"
    )


def test_an_archived_or_unknown_admin_channel_fails(world: World) -> None:
    world.slack.state.channels["C0ADMINS"] = channel("C0ADMINS", "old-admins", is_archived=True)
    assert world.doctor() == 1
    assert world.line("admin channel").startswith("✗ Slack: admin channel #old-admins is archived")
    del world.slack.state.channels["C0ADMINS"]
    assert world.doctor() == 1
    assert world.line("admin channel").startswith("✗ Slack: admin channel C0ADMINS not found")


def test_without_channel_scopes_membership_cannot_be_seen_and_the_scopes_are_named(world: World) -> None:
    world.slack.state.scopes = [s for s in world.slack.state.scopes or [] if s not in ("channels:read", "groups:read")]
    assert world.doctor() == 1
    assert world.line("lacks scope").startswith("✗ Slack: the token lacks scope(s) channels:read, groups:read")
    assert world.line("admin channel").startswith(
        "⚠ Slack: cannot see whether the bot is in the admin channel C0ADMINS"
    )


def test_a_user_group_that_does_not_exist_or_is_disabled_fails_and_names_where_it_is_used(world: World) -> None:
    del world.slack.state.usergroups["S0DATA"]
    world.slack.state.disabled_usergroups.add("S0ADMINS")
    assert world.doctor() == 1
    assert world.line("S0DATA").startswith(
        "✗ Slack: user group S0DATA (templates[cpu-small].usergroups) does not exist"
    )
    assert world.line("S0ADMINS").startswith("✗ Slack: user group S0ADMINS (slack.admin_usergroup) is disabled")
