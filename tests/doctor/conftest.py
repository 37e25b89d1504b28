"""A live setup to check: loopback Slack, GitHub and Google, each answering as the real service, set up
as a correct installation would be; each test then breaks one thing the way a real team does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.config.load import parse_policy
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.demo.slack_api import LoopbackSlack, channel
from bot.doctor import run_doctor
from bot.doctor.slack import manifest_scopes
from tests.support.github_server import GitHubServer
from tests.support.google_server import GoogleServer

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = REPO_ROOT / "deploy" / "slack-app-manifest.yaml"
BOT_URL = "https://notebook-bot-abc123-ew.a.run.app"
POLICY = """
gcp:
  project: acme-analytics
  region: europe-west1
  zones: [europe-west1-b]
  network: notebooks-vpc
  subnet: notebooks
slack:
  admin_channel: C0ADMINS
  admins: [U0ADMIN1]
  admin_usergroup: S0ADMINS
identity:
  allowed_domains: [example.com]
templates:
  - id: cpu-small
    title: CPU notebook
    kind: workbench
    machine_type: e2-standard-4
    approval: required
    usergroups: [S0DATA]
"""
PERMISSIONS = {
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.start",
    "dataproc.clusters.stop",
    "dataproc.operations.get",
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.start",
    "notebooks.instances.stop",
    "notebooks.operations.get",
}


@dataclass
class World:
    slack: LoopbackSlack
    github: GitHubServer
    google: GoogleServer
    policy: Policy
    env: dict[str, str]
    tmp: Path
    lines: list[str] = field(default_factory=list)

    def doctor(self, policy: Policy | None = None, **env: str) -> int:
        """Runs doctor against the loopback services; its lines land in ``self.lines``."""
        self.lines.clear()
        merged = {**self.env, **env}
        return run_doctor(
            Settings.from_env(merged),
            policy or self.policy,
            merged,
            bot_url=BOT_URL,
            manifest=MANIFEST,
            google_credentials=AnonymousCredentials(),
            say=self.lines.append,
        )

    def line(self, fragment: str) -> str:
        found = [line for line in self.lines if fragment in line]
        assert len(found) == 1, f"{fragment!r} in:\n" + "\n".join(self.lines)
        return found[0]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    scopes = manifest_scopes(MANIFEST)
    assert scopes, MANIFEST
    with LoopbackSlack() as slack, GitHubServer() as github, GoogleServer() as google:
        slack.state.scopes = list(scopes)
        slack.state.channels["C0ADMINS"] = channel("C0ADMINS", "notebook-admins")
        slack.state.usergroups.update({"S0ADMINS": ["U0ADMIN1"], "S0DATA": ["U0ALICE"]})
        github.setup.add_hook(f"{github.url}/repos/acme/infra", BOT_URL + "/github/webhook")
        setup = google.setup
        setup.enabled["acme-analytics"] = {
            "notebooks.googleapis.com",
            "dataproc.googleapis.com",
            "compute.googleapis.com",
        }
        setup.granted["acme-analytics"] = set(PERMISSIONS)
        setup.add_subnet("acme-analytics", "europe-west1", "notebooks", private_google_access=True)
        env: dict[str, Any] = {
            "SLACK_BOT_TOKEN": "xoxb-doctor-test",
            "SLACK_API_URL": slack.url,
            "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path / 'state.db'}",
            "NOTEBOOK_BOT_REPO": "github:acme/infra",
            "GITHUB_TOKEN": "test-token",
            "GITHUB_API_URL": github.url,
            "NOTEBOOK_BOT_CLOUD": "gcp",
            "SERVICEUSAGE_API_URL": google.url,
            "CLOUDRESOURCEMANAGER_API_URL": google.url,
            "COMPUTE_API_URL": google.url,
        }
        yield World(slack, github, google, parse_policy(POLICY), env, tmp_path)
