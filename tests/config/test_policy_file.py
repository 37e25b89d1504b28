"""The policy file: the minimal file is accepted as written; mistakes are named by key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config.load import PolicyError, load_policy, parse_policy
from bot.config.policy import Policy
from bot.config.settings import Secret, Settings

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
gcp:
  project: acme-analytics
  region: europe-west1
  zones: [europe-west1-b]
slack:
  admin_channel: C0ADMINS          # where approval cards go
  admins: [U0ADMIN1]               # Slack user IDs (a user group may be added: admin_usergroup: S0...)
identity:
  allowed_domains: [example.com]
limits:
  idle_minutes: {min: 10, max: 1440, default: 180}
  lifetime_days: {min: 1, max: 90, default: 30}
  environments_per_user: 2
templates:
  - id: cpu-small
    title: CPU notebook (4 vCPU, 16 GB)
    kind: workbench
    machine_type: e2-standard-4
    approval: required             # or: auto
"""


def test_the_minimal_policy_of_the_design_is_accepted_as_written() -> None:
    policy = parse_policy(MINIMAL)
    assert policy.gcp.project == "acme-analytics"
    assert policy.templates[0].machine_type == "e2-standard-4"
    assert policy.repo.path_layout == "environments/{name}.tf"  # defaults fill the rest
    assert policy.limits.reminder_hours_before_expiry == 48


def test_the_shipped_examples_are_valid() -> None:
    load_policy(None)
    load_policy(ROOT / "deploy" / "policy.example.yaml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("machine_type: e2", "machin_type: e2"), "templates[0].machin_type: is not a known key"),
        (
            ("admin_channel: C0ADMINS", "admin_channel: '#admins'"),
            "slack.admin_channel: must be a Slack channel ID",
        ),
        (("zones: [europe-west1-b]", "zones: [us-east1-b]"), "zone 'us-east1-b' is not a zone of region"),
        (("default: 180", "default: 5000"), "limits.idle_minutes: needs min <= default <= max"),
        (("kind: workbench", "kind: laptop"), "templates[0].kind"),
        (
            ("project: acme-analytics", "project: Acme Analytics"),
            "gcp.project: is not a valid Google Cloud project",
        ),
        (("allowed_domains: [example.com]", "allowed_domains: []"), "identity.allowed_domains"),
        (("admins: [U0ADMIN1]", "admins: [alice]"), "slack.admins: must be Slack user IDs"),
    ],
)
def test_mistakes_are_reported_with_the_key(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(MINIMAL.replace(*change))
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_contradictions_in_templates_are_refused() -> None:
    dataproc_with_gpu = MINIMAL.replace("kind: workbench", "kind: dataproc\n    gpu: {type: NVIDIA_L4}")
    with pytest.raises(PolicyError, match="GPUs are offered on workbench templates only"):
        parse_policy(dataproc_with_gpu)
    twice = MINIMAL + MINIMAL[MINIMAL.index("  - id") :]
    with pytest.raises(PolicyError, match="used twice"):
        parse_policy(twice)
    narrow = MINIMAL.replace(
        "approval: required", "approval: required\n    idle_minutes: {min: 5, max: 60, default: 30}"
    )
    with pytest.raises(PolicyError, match=r"outside limits\.idle_minutes"):
        parse_policy(narrow)


def test_check_config_names_every_problem_and_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(MINIMAL.replace("machine_type: e2", "machin_type: e2").replace("C0ADMINS", "admins"))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--policy-only"],
        capture_output=True,
        text=True,
        env={"NOTEBOOK_BOT_CONFIG": str(bad), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert len(lines) >= 2 and all(str(bad) in line for line in lines)
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--policy-only"],
        capture_output=True,
        text=True,
        env={"NOTEBOOK_BOT_CONFIG": str(good), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0 and "OK" in done.stdout


def test_check_config_also_names_missing_secrets_and_bad_backends(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    env = {
        "NOTEBOOK_BOT_CONFIG": str(good),
        "PATH": "/usr/bin:/bin",
        "NOTEBOOK_BOT_REPO": "github:acme/infra",
        "NOTEBOOK_BOT_STORE": "postgres://x",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert done.returncode == 1
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "NOTEBOOK_BOT_STORE", "GITHUB_TOKEN"):
        assert name in done.stdout
    env.update(
        SLACK_SIGNING_SECRET="s" * 32,
        SLACK_BOT_TOKEN="xoxb-1",
        NOTEBOOK_BOT_STORE="sqlite:///x.db",
        GITHUB_TOKEN="ghp_x",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stdout


def test_secrets_never_show_in_repr() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-very-secret", "GITHUB_TOKEN": "ghp_secret_value"})
    assert "xoxb-very-secret" not in repr(settings) and "ghp_secret_value" not in str(settings)
    assert repr(Secret("abc")) == "Secret('**********')"
    assert set(settings.secrets()) == {"xoxb-very-secret", "ghp_secret_value"}


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        out.append(prefix + name)
        inner = field.annotation
        for candidate in (*getattr(inner, "__args__", ()), inner):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out += _keys(candidate, prefix + name + ".")
    return out


def test_the_readme_documents_every_environment_variable_and_policy_key() -> None:
    readme = (ROOT / "README.md").read_text()
    source = (ROOT / "bot" / "config" / "settings.py").read_text()
    variables = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source))
    assert variables, "no variables found"
    missing = sorted(v for v in variables if f"`{v}`" not in readme)
    assert not missing, f"README lacks {missing}"
    for key in _keys(Policy):
        leaf = key.split(".")[-1]
        assert leaf in readme, f"README lacks policy key {key}"
