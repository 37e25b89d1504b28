"""`notebook-bot doctor` as an admin runs it: a process of its own, env overrides, lines and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.doctor.conftest import BOT_URL, POLICY, World

ROOT = Path(__file__).resolve().parents[2]


def doctor(world: World, **env: str) -> subprocess.CompletedProcess[str]:
    policy = world.tmp / "policy.yaml"
    policy.write_text(POLICY)
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "NOTEBOOK_BOT_CONFIG": str(policy)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--url", BOT_URL],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **world.env, **env},
        timeout=120,
        check=False,
    )


def test_doctor_prints_one_line_per_check_and_exits_non_zero_on_a_problem(world: World) -> None:
    world.slack.state.token_error = "token_revoked"
    done = doctor(world, NOTEBOOK_BOT_CLOUD="simulated")
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stderr
    assert lines[0].startswith("✓ Store: sqlite:///")
    assert lines[1].startswith("✗ Slack: the bot token is refused (token_revoked) — fix: ")
    assert lines[2].startswith("✓ GitHub: the token can read and write acme/infra")
    assert "· Google: not used (NOTEBOOK_BOT_CLOUD=simulated)" in lines
    assert lines[-1] == "1 problem(s) to fix"
    assert "xoxb-doctor-test" not in done.stdout + done.stderr and "test-token" not in done.stdout + done.stderr


def test_doctor_without_google_credentials_says_how_to_give_them(world: World) -> None:
    done = doctor(world, GOOGLE_APPLICATION_CREDENTIALS=str(world.tmp / "missing.json"))
    assert done.returncode == 1, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("✗")]
    assert line.startswith("✗ Google: The bot has no Google credentials") and "Application Default Credentials" in line
    assert done.stderr == ""


def test_a_clean_setup_exits_zero(world: World) -> None:
    done = doctor(world, NOTEBOOK_BOT_CLOUD="simulated")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "All checks passed"
