"""Signing in as a GitHub App: JWT signed with the App's key, installation looked up, token minted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.config.settings import ConfigError
from bot.infra.base import FileChange
from bot.infra.github import github_repo_from_settings
from bot.infra.pacing import Pacer
from tests.support.github_server import GitHubServer

APP_ID = 123456


def pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return pem_pair()


@pytest.fixture
def server(keys: tuple[str, str]) -> Iterator[GitHubServer]:
    with GitHubServer("acme/infra", token=None, app_id=APP_ID, app_public_key=keys[1]) as s:
        yield s


def change() -> FileChange:
    return FileChange(
        branch="notebook-bot/alice", title="Add alice", body="", files={"environments/alice.tf": "x = 1\n"}
    )


def test_the_app_finds_its_installation_mints_a_token_and_opens_the_pull_request(
    server: GitHubServer, keys: tuple[str, str]
) -> None:
    repo = github_repo_from_settings(
        "acme/infra",
        app_id=str(APP_ID),
        app_private_key=keys[0],
        api_url=server.url,
        pacer=Pacer.scaled(1000),
    )
    try:
        pr = repo.open_pull_request(change())
    finally:
        repo.close()

    assert pr.number == 1 and server.pulls[0].branch == "notebook-bot/alice"
    paths = [(c.method, c.path, c.status) for c in server.calls]
    assert paths[0] == ("GET", "/repos/acme/infra/installation", 200)
    assert ("POST", "/app/installations/4242/access_tokens", 201) in paths
    assert len([c for c in server.calls if c.path.startswith("/repos/acme/infra/") and c.is_write]) == 4


def test_a_given_installation_id_skips_the_lookup_and_a_one_line_key_is_accepted(
    server: GitHubServer, keys: tuple[str, str]
) -> None:
    one_line_key = keys[0].strip().replace("\n", "\\n")
    repo = github_repo_from_settings(
        "acme/infra",
        app_id=APP_ID,
        app_private_key=one_line_key,
        installation_id="4242",
        api_url=server.url,
        pacer=Pacer.scaled(1000),
    )
    try:
        repo.open_pull_request(change())
    finally:
        repo.close()

    assert not any(c.path.endswith("/installation") for c in server.calls)
    assert len(server.pulls) == 1


def test_a_key_github_does_not_know_is_refused_with_what_to_check(server: GitHubServer) -> None:
    wrong_key, _ = pem_pair()

    with pytest.raises(ConfigError, match="GITHUB_APP_PRIVATE_KEY") as caught:
        github_repo_from_settings("acme/infra", app_id=APP_ID, app_private_key=wrong_key, api_url=server.url, retries=0)
    assert "\n" not in str(caught.value) and "does not accept the App's key" in str(caught.value)


def test_a_malformed_key_is_refused_before_any_call_naming_the_setting(server: GitHubServer) -> None:
    with pytest.raises(ConfigError, match="GITHUB_APP_PRIVATE_KEY: not a PEM private key"):
        github_repo_from_settings("acme/infra", app_id=APP_ID, app_private_key="ghp_not_a_key", api_url=server.url)
    truncated = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
    with pytest.raises(ConfigError, match="GITHUB_APP_PRIVATE_KEY: the key cannot be read"):
        github_repo_from_settings("acme/infra", app_id=APP_ID, app_private_key=truncated, api_url=server.url)
    assert server.calls == []


def test_an_app_not_installed_on_the_repository_says_to_install_it(keys: tuple[str, str]) -> None:
    with (
        GitHubServer("acme/other", token=None, app_id=APP_ID, app_public_key=keys[1]) as elsewhere,
        pytest.raises(ConfigError, match="not installed on acme/infra"),
    ):
        github_repo_from_settings("acme/infra", app_id=APP_ID, app_private_key=keys[0], api_url=elsewhere.url)


def test_the_app_wins_over_an_unrelated_github_token(server: GitHubServer, keys: tuple[str, str]) -> None:
    repo = github_repo_from_settings(
        "acme/infra",
        token="ghp_from_the_ci_runner",
        app_id=APP_ID,
        app_private_key=keys[0],
        api_url=server.url,
        pacer=Pacer.scaled(1000),
    )
    try:
        assert repo.open_pull_request(change()).number == 1
    finally:
        repo.close()


def test_without_credentials_the_factory_says_which_settings_are_missing() -> None:
    with pytest.raises(ValueError, match="GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"):
        github_repo_from_settings("acme/infra")
