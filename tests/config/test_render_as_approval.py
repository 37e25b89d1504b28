"""`notebook-bot render` writes exactly what an approval writes, team labels included; bad input is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config.load import load_policy
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from bot.workflow.rendering import render, team_labels
from renderers import environment_name
from renderers.readback import parse_rendered

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "policy.example.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "render", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "NOTEBOOK_BOT_CONFIG": str(EXAMPLE)},
        timeout=120,
        check=False,
    )


def test_render_puts_the_teams_labels_on_the_environment_as_an_approval_does(tmp_path: Path) -> None:
    done = run("--template", "cpu-small", "--user", "alice@example.com", "--request-id", "r1", "--set", "team=growth")
    assert done.returncode == 0, done.stderr
    _, _, content = done.stdout.partition("\n")
    (module,) = parse_rendered(content)
    assert module.arguments["labels"]["team"] == "growth"
    assert module.arguments["labels"]["cost-center"] == "cc-1234"

    # What an approval renders for a member of that team (the Slack user group S0GROWTH), byte for byte.
    policy = load_policy(EXAMPLE)
    template = policy.template("cpu-small")
    assert template is not None
    alice = Person("U0ALICE", "T0", "alice@example.com", "Alice", usergroups=frozenset({"S0GROWTH"}))
    now = datetime.now(UTC)
    approved = EnvironmentRequest(
        id="r1",
        owner_user_id=alice.user_id,
        owner_email=alice.email or "",
        owner_name=alice.name,
        team_id="T0",
        template_id="cpu-small",
        kind="workbench",
        display_name="notebook",
        reason="",
        idle_minutes=policy.bound(template, "idle_minutes").default,
        lifetime_days=policy.bound(template, "lifetime_days").default,
        env_name=environment_name("alice@example.com", "r1", "workbench"),
        created_at=now,
        updated_at=now,
        options={"labels": team_labels(alice, policy)},
    )
    (approved_file,) = render(approved, template, policy).files
    assert content == approved_file.content


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--user", "not an email"], "user: must be an email address such as alice@example.com"),
        (["--user", "a b@example.com"], "user: must be an email address such as alice@example.com"),
        (["--user", "eve@elsewhere.org"], "user: Your email domain (elsewhere.org) is not one this bot serves"),
        (["--user", "alice@example.com", "--request-id", "BAD ID"], "--request-id: must be lowercase letters"),
        (["--user", "alice@example.com", "--set", "team=nope"], "--set team=nope: unknown team (known: growth)"),
    ],
)
def test_a_bad_user_request_id_or_team_is_one_line_not_a_traceback(args: list[str], line: str) -> None:
    done = run("--template", "cpu-small", *args)
    assert done.returncode == 2 and done.stdout == ""
    (said,) = done.stderr.strip().splitlines()
    assert said.startswith(line), said
