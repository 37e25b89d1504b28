"""deploy/bootstrap --dry-run against stub gcloud, gh, terraform and notebook-bot (no network): the steps come
in the order that works, every command uses flags the real CLIs document, nothing is changed, no secret is
printed, and a second run over a finished deployment changes nothing but what Terraform itself decides.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.cli_flags import FLAGS, GCLOUD_WIDE, problems_with

REPO = Path(__file__).resolve().parents[2]
STUB = Path(__file__).with_name("bootstrap_stub.py")
WEBHOOK_SECRET = "c0ffee" * 10


def install_stubs(bin_dir: Path) -> None:
    bin_dir.mkdir()
    for tool in ("gcloud", "gh", "terraform", "notebook-bot"):
        path = bin_dir / tool
        path.write_text(
            f"#!{sys.executable}\nimport runpy, sys\n"
            f"sys.exit(runpy.run_path({str(STUB)!r})['main']([{tool!r}, *sys.argv[1:]]))\n"
        )
        path.chmod(0o755)


def bootstrap(
    tmp_path: Path, scenario: str, *extra: str, dry_run: bool = True
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """Run a copy of deploy/ (so no file of this checkout is written) with the stubs first on PATH."""
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "deploy", checkout / "deploy", ignore=shutil.ignore_patterns(".terraform", "*.tfvars"))
    install_stubs(tmp_path / "bin")
    key = tmp_path / "app.pem"
    key.write_text("-----BEGIN RSA PRIVATE KEY-----\n", encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    if scenario == "done":
        policy.write_text((REPO / "deploy" / "policy.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        tfvars = checkout / "deploy" / "terraform" / "bot" / "terraform.tfvars"
        tfvars.write_text(
            'project = "acme-bot"\ngithub_repo = "acme/notebook-infra"\ngithub_repository_id = "812345678"\n'
            'github_repository_owner_id = "1234567"\ngithub_app_id = "4242"\n'
            'image = "europe-west1-docker.pkg.dev/acme-bot/notebook-bot/notebook-bot:v1"\n',
            encoding="utf-8",
        )
        adc = tmp_path / "gcloud" / "application_default_credentials.json"
        adc.parent.mkdir()
        adc.write_text(json.dumps({"type": "authorized_user", "quota_project_id": "acme-bot"}), encoding="utf-8")
    log = tmp_path / "calls.jsonl"
    log.touch()
    env = {
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"),
        "STUB_LOG": str(log),
        "STUB_SCENARIO": scenario,
        "STUB_POLICY": str(policy),
    }
    command = [sys.executable, str(checkout / "deploy" / "bootstrap"), *(["--dry-run"] if dry_run else []),
               "--project", "acme-bot",
               "--environments-project", "acme-analytics", "--repo", "acme/notebook-infra", "--github-app-id", "4242",
               "--github-app-key", str(key), "--policy", str(policy), "--image-tag", "v1", *extra]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    calls = [json.loads(line)["argv"] for line in log.read_text(encoding="utf-8").splitlines()]
    return done, calls


def printed(output: str) -> list[list[str]]:
    """The commands a dry run says it would run ("[dry-run] $ ..."), as argv lists."""
    commands = []
    for line in output.splitlines():
        if "[dry-run] $ " in line:
            text = line.split("[dry-run] $ ", 1)[1]
            commands.append(shlex.split(text.split(" < ", 1)[0]))
    return commands


def position(commands: list[list[str]], *words: str) -> int:
    for index, command in enumerate(commands):
        parts = [Path(command[0]).name, *command[1:]]
        if all(any(part.startswith(word) for part in parts) for word in words):
            return index
    raise AssertionError(f"no command with {words} in:\n" + "\n".join(map(shlex.join, commands)))


def test_a_fresh_dry_run_prints_every_step_in_an_order_that_works(tmp_path: Path) -> None:
    done, _ = bootstrap(tmp_path, "fresh")
    assert done.returncode == 0, done.stdout + done.stderr
    commands = printed(done.stdout)
    at = lambda *words: position(commands, *words)  # noqa: E731
    # gcloud points at the project before anything uses it; the repository exists before Terraform needs its IDs.
    assert at("gcloud", "config", "set", "project") < at("gcloud", "services", "enable")
    assert at("gh", "repo", "create") < at("terraform", "init") < at("terraform", "apply")
    # Secrets exist (first apply) before their values; the policy is validated by check-config (a check, below).
    assert at("terraform", "apply") < at("gcloud", "secrets", "versions", "add", "notebook-bot-slack-bot-token")
    # CI variables before the content push (the push runs apply.yml, which needs them) before the state's run.
    assert at("gh", "variable", "set", "TF_STATE_BUCKET") < at("git", "push") < at("gh", "workflow", "run")
    # The image before the service; the service (its URL) before the webhook; doctor last.
    second_apply = max(i for i, c in enumerate(commands) if "apply" in c and c[0] == "terraform")
    assert at("gcloud", "builds", "submit") < second_apply < at("gh", "api", "repos/acme/notebook-infra/hooks")
    assert at("gh", "api", "repos/acme/notebook-infra/branches/main/protection") < at("notebook-bot", "doctor")
    assert commands[-1][-1] == "doctor"
    for title in ("Slack app", "GitHub App", "Branch protection of main", "notebook-bot doctor"):
        assert f"] {title}" in done.stdout
    assert "/invite @notebook-bot" in done.stdout and "Issues read & write" in done.stdout
    assert "Dry run: nothing was changed." in done.stdout


def test_every_command_uses_flags_its_cli_documents(tmp_path: Path) -> None:
    done, calls = bootstrap(tmp_path, "fresh")
    assert done.returncode == 0, done.stdout + done.stderr
    problems = [p for command in printed(done.stdout) + calls for p in problems_with(command)]
    assert problems == []
    # Google's and GitHub's names that the flags carry.
    enable = next(c for c in printed(done.stdout) if c[:3] == ["gcloud", "services", "enable"])
    assert "--project=acme-bot" in enable
    webhook = next(c for c in printed(done.stdout) if c[:3] == ["gh", "api", "repos/acme/notebook-infra/hooks"])
    assert webhook[3:] == ["--method", "POST", "--input", "-", "--silent"]


def test_the_flag_checker_catches_a_broken_flag() -> None:
    assert problems_with(["gcloud", "secrets", "versions", "add", "s", "--data=-"]) != []
    assert problems_with(["gh", "variable", "set", "X", "--value", "1"]) != []
    assert problems_with(["terraform", "-chdir=x", "apply", "-yes"]) != []
    assert problems_with(["gcloud", "secrets", "versions", "add", "s", "--data-file=-", "--project=p"]) == []


def test_a_dry_run_changes_nothing_and_prints_no_secret(tmp_path: Path) -> None:
    done, calls = bootstrap(tmp_path, "done")
    assert done.returncode == 0, done.stdout + done.stderr
    changing = {("gcloud", "config", "set"), ("gcloud", "services", "enable"), ("gcloud", "builds", "submit"),
                ("gh", "repo", "create"), ("gh", "variable", "set"), ("gh", "workflow", "run")}  # fmt: skip
    assert [c for c in calls if tuple(c[:3]) in changing] == []
    assert [c for c in calls if c[0] == "gcloud" and c[1:4] == ["secrets", "versions", "add"]] == []
    assert [c for c in calls if c[0] == "terraform" and ("apply" in c or "init" in c)] == []
    assert [c for c in calls if c[0] == "gh" and ("POST" in c or "PUT" in c or "PATCH" in c)] == []
    assert WEBHOOK_SECRET not in done.stdout + done.stderr
    assert "(JSON with the webhook secret, hidden)" in done.stdout


def test_a_second_run_over_a_finished_deployment_only_lets_terraform_decide(tmp_path: Path) -> None:
    done, _ = bootstrap(tmp_path, "done")
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [shlex.join(c) for c in printed(done.stdout)]
    # terraform init/apply are themselves idempotent ("No changes"); the old hook gains the status event.
    assert [re.sub(r"-chdir=\S+", "-chdir=BOT", c) for c in commands] == [
        "terraform -chdir=BOT init -input=false",
        "terraform -chdir=BOT apply -input=false",
        "terraform -chdir=BOT apply -input=false",
        "gh api repos/acme/notebook-infra/hooks/7 --method PATCH --input - --silent",
        f"{tmp_path / 'bin' / 'notebook-bot'} doctor",
    ]
    assert done.stdout.count("✓") >= 15
    assert "would write" not in done.stdout


def test_a_real_run_over_a_finished_deployment_pipes_the_webhook_secret_and_ends_with_doctor(
    tmp_path: Path,
) -> None:
    done, _ = bootstrap(tmp_path, "done", "--yes", dry_run=False)
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
    changes = [
        r
        for r in records
        if (r["argv"][0] in ("terraform", "notebook-bot") and r["argv"][-1] != "-json") or "--method" in r["argv"]
    ]
    assert [" ".join(a for a in r["argv"] if not a.startswith("-chdir")) for r in changes] == [
        "notebook-bot check-config --policy-only",
        "terraform init -input=false",
        "terraform apply -input=false -auto-approve",
        "terraform apply -input=false -auto-approve",
        "gh api repos/acme/notebook-infra/hooks/7 --method PATCH --input - --silent",
        "notebook-bot doctor",
    ]
    # The secret reached gh on stdin only: never an argument (visible in ps) nor printed.
    assert next(r for r in records if "PATCH" in r["argv"])["stdin"] is True
    assert not any(WEBHOOK_SECRET in arg for r in records for arg in r["argv"])
    assert WEBHOOK_SECRET not in done.stdout + done.stderr
    assert "notebook-bot doctor found nothing to fix" in done.stdout


def test_yes_approves_terraform_and_a_missing_app_id_stops_with_what_to_do(tmp_path: Path) -> None:
    done, _ = bootstrap(tmp_path, "fresh", "--yes")
    applies = [c for c in printed(done.stdout) if c[0] == "terraform" and "apply" in c]
    assert len(applies) == 2 and all("-auto-approve" in c for c in applies)
    checkout = tmp_path / "second"
    checkout.mkdir()
    install_env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "STUB_LOG": str(tmp_path / "calls.jsonl"),
        "STUB_SCENARIO": "fresh",
        "HOME": str(checkout),
    }
    copy = checkout / "deploy"
    shutil.copytree(REPO / "deploy", copy, ignore=shutil.ignore_patterns(".terraform", "*.tfvars"))
    stopped = subprocess.run(
        [sys.executable, str(copy / "bootstrap"), "--dry-run", "--project", "p", "--repo", "acme/notebook-infra"],
        capture_output=True, text=True, env=install_env, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert stopped.returncode == 2
    assert "✋ create a GitHub App" in stopped.stdout and "--github-app-id" in stopped.stdout
    assert "Contents read & write, Pull requests read & write, Issues read & write" in stopped.stdout


# --- the table above is the real CLIs' own --------------------------------------------------------------


def documented_flags(command: tuple[str, ...]) -> str | None:
    tool = shutil.which(command[0])
    if tool is None or command[0] not in ("gcloud", "terraform"):
        return None
    args = [*command[1:], "--help"] if command[0] == "gcloud" else [*command[1:], "-help"]
    env = {**os.environ, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1", "CHECKPOINT_DISABLE": "1"}
    env.pop("TF_CLI_CONFIG_FILE", None)
    done = subprocess.run([tool, *args], capture_output=True, text=True, env=env, timeout=60)
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)


@pytest.mark.slow
def test_the_flag_table_matches_the_installed_clis(tmp_path: Path) -> None:
    done, calls = bootstrap(tmp_path, "fresh")
    used: dict[tuple[str, ...], set[str]] = {}
    for command in printed(done.stdout) + calls:
        tool = Path(command[0]).name
        if tool not in ("gcloud", "terraform"):
            continue
        words = [w for w in command[1:] if not w.startswith("-")]
        key = max((k for k in FLAGS if k[0] == tool and tuple(words[: len(k) - 1]) == k[1:]), key=len)
        flags = {w.split("=", 1)[0] for w in command[1:] if w.startswith("-")} - {"-chdir"} - GCLOUD_WIDE
        used.setdefault(key, set()).update(flags)
    checked = 0
    for key, flags in sorted(used.items()):
        text = documented_flags(key)
        if text is None:
            continue
        checked += 1
        assert [flag for flag in flags if not re.search(rf"(?<![\w-]){re.escape(flag)}\b", text)] == [], key
    if checked == 0:
        pytest.skip("neither gcloud nor terraform is installed")
