"""doctor's GitHub half: access, base branch, the webhook and its secret, and whether the bot may merge."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.config.load import parse_policy
from bot.config.policy import Policy
from tests.doctor.conftest import BOT_URL, POLICY, World
from tests.support.github_server import GitHubServer


def _merging(mode: str) -> Policy:
    return parse_policy(POLICY + f"repo:\n  merge: {mode}\n")


def test_a_token_github_refuses_is_one_failing_line(world: World) -> None:
    assert world.doctor(GITHUB_TOKEN="ghp_revoked") == 1
    (line,) = [line for line in world.lines if "GitHub" in line]
    assert line.startswith("✗ GitHub: the credentials are refused (Bad credentials)")


def test_a_read_only_token_is_told_to_get_write_access(world: World) -> None:
    world.github.setup.permissions.update(push=False, maintain=False, admin=False)
    assert world.doctor() == 1
    assert world.line("GitHub: the token").startswith("✗ GitHub: the token can read acme/infra but not write to it")


def test_a_missing_base_branch_fails_and_names_the_policy_key(world: World) -> None:
    policy = parse_policy(POLICY + "repo:\n  base_branch: trunk\n")
    assert world.doctor(policy) == 1
    assert world.line("base branch") == (
        "✗ GitHub: base branch trunk does not exist — fix: create it, or set repo.base_branch in the policy"
    )


def test_webhooks_the_bot_cannot_read_fail_with_what_permission_to_grant(world: World) -> None:
    world.github.setup.hooks = None  # GitHub answers 404 to a token without admin rights
    assert world.doctor() == 1
    line = world.line("GitHub: cannot read the webhooks")
    assert line.startswith("✗ GitHub: cannot read the webhooks of acme/infra (404)") and "Webhooks: read" in line


def test_no_webhook_to_the_bots_url_fails_with_the_settings_to_use(world: World) -> None:
    assert world.github.setup.hooks is not None
    world.github.setup.hooks.clear()
    world.github.setup.add_hook(world.github.url + "/repos/acme/infra", "https://old-bot.example.com/github/webhook")
    assert world.doctor() == 1
    line = world.line("GitHub: no webhook")
    assert line.startswith(f"✗ GitHub: no webhook sends to {BOT_URL}/github/webhook")
    assert "application/json" in line and "pull_request and status" in line


def test_a_webhook_without_secret_json_or_the_status_event_is_told_what_is_wrong(world: World) -> None:
    assert world.github.setup.hooks is not None
    world.github.setup.hooks.clear()
    world.github.setup.add_hook(
        world.github.url + "/repos/acme/infra",
        BOT_URL + "/github/webhook",
        events=["pull_request"],
        secret=False,
        content_type="form",
    )
    assert world.doctor() == 1
    line = world.line("GitHub: the webhook to")
    assert "has no secret" in line and "sends form data" in line and "does not send status events" in line


def test_branch_protection_that_requires_reviews_warns_when_the_bot_merges(world: World) -> None:
    world.github.setup.require_reviews(world.github.url + "/repos/acme/infra", "main", count=2)
    assert world.doctor(_merging("when_checks_pass")) == 0  # a warning, not a failure
    assert world.line("branch protection").startswith(
        "⚠ GitHub: branch protection on main requires 2 approving review(s): the bot's merges"
    )
    assert world.doctor(_merging("manual")) == 0
    assert not [line for line in world.lines if "branch protection" in line]  # a person merges anyway
    world.github.setup.protection.clear()
    assert world.doctor(_merging("when_checks_pass")) == 0
    assert world.line("branch protection").startswith("✓ GitHub: no branch protection on main stands in the way")


def test_a_github_app_is_checked_by_its_installation_and_its_own_webhook(world: World) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with GitHubServer("acme/infra", token=None, app_id=77, app_public_key=public) as app_github:
        app_github.setup.hooks = None  # the installation may not read repository webhooks
        app_github.setup.set_app_hook(BOT_URL + "/github/webhook")
        env = {"GITHUB_API_URL": app_github.url, "GITHUB_APP_ID": "77", "GITHUB_APP_PRIVATE_KEY": private}
        assert world.doctor(**env, GITHUB_TOKEN="") == 1
        # The installation was granted contents and pull requests, not commit statuses.
        assert world.line("App installation").startswith(
            "✗ GitHub: the App installation on acme/infra lacks statuses: read"
        )
        assert world.line("base branch main exists").startswith("✓")  # checked with the App's own token
        assert world.line("App's webhook").startswith("✓ GitHub: the App's webhook sends pull_request, status to")

        app_github.setup.app_events = ["pull_request", "push"]
        app_github.setup.set_app_hook(BOT_URL + "/github/webhook", secret=False)
        assert world.doctor(**env, GITHUB_TOKEN="") == 1
        line = world.line("App's webhook")
        assert line.startswith("✗ GitHub: the App's webhook to") and "has no secret" in line
        assert "does not send status events" in line
