"""The infra CI tells the bot how a plan or an apply went: one commit status, with Terraform's first error.

The shipped script (deploy/infra-repo/.github/scripts/commit_status.py) runs as the workflows run it, against
a loopback GitHub that records the status call and refuses the way GitHub does; Terraform's output is real
where Terraform is installed (a `terraform_data` precondition needs no provider download).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.github_server import GitHubServer

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "deploy" / "infra-repo" / ".github"
SCRIPT = GITHUB / "scripts" / "commit_status.py"
RUN_URL = "https://github.com/acme/infra/actions/runs/42"

# What `terraform apply -no-color` prints when Google refuses (box and all), copied from a real failed run.
GOOGLE_403 = """module.nb-alice-3twrqcpnwk.google_workbench_instance.this: Creating...
╷
│ Error: Error creating Instance: googleapi: Error 403: Permission 'notebooks.instances.create' denied on \
resource '//notebooks.googleapis.com/projects/acme-analytics/locations/europe-west1-b' (or it may not exist).
│ Details:
│ [
│   {
│     "@type": "type.googleapis.com/google.rpc.ErrorInfo",
│     "reason": "IAM_PERMISSION_DENIED"
│   }
│ ]
│
│   with module.nb-alice-3twrqcpnwk.google_workbench_instance.this,
│   on ../modules/workbench/main.tf line 11, in resource "google_workbench_instance" "this":
│   11: resource "google_workbench_instance" "this" {
│
╵
╷
│ Error: Error waiting to create Cluster: Error waiting for Creating Cluster: Quota exceeded
╵
"""


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.fixture
def github() -> Iterator[GitHubServer]:
    with GitHubServer("acme/infra") as server:
        yield server


def posted(server: GitHubServer) -> list[dict[str, Any]]:
    """Every status the server recorded, oldest first, each with its commit as "sha"."""
    recorded: Any = server.statuses
    if isinstance(recorded, dict):  # sha -> statuses
        return [{**status, "sha": sha} for sha, statuses in recorded.items() for status in statuses]
    return list(recorded)


def github_env(server: GitHubServer) -> dict[str, str]:
    return {**os.environ, "GITHUB_API_URL": server.url, "GITHUB_REPOSITORY": server.repo, "GITHUB_TOKEN": "test-token"}


def record(results: Path, root: str, outcome: str, log: str) -> None:
    log_file = results.parent / f"{root.replace('/', '_')}.log"
    log_file.write_text(log, encoding="utf-8")
    done = run("record", "--root", root, "--outcome", outcome, "--log", str(log_file), "--out", str(results))
    assert done.returncode == 0, done.stderr


def post(
    server: GitHubServer, results: Path, context: str, roots: list[str], *upstream: str
) -> subprocess.CompletedProcess[str]:
    sha = server.refs["heads/main"]
    extra = [arg for item in upstream for arg in ("--upstream", item)]
    return run(
        "post", "--context", context, "--sha", sha, "--results", str(results), "--roots", json.dumps(roots),
        "--target-url", RUN_URL, *extra, env=github_env(server),
    )  # fmt: skip


def test_a_failed_apply_sets_failure_with_the_first_terraform_error_and_the_run(
    github: GitHubServer, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    record(results, "environments", "failure", GOOGLE_403)
    done = post(github, results, "notebook-bot/apply", ["environments"], "choosing the roots=success")
    assert done.returncode == 0, done.stderr
    (status,) = posted(github)
    assert status["sha"] == github.refs["heads/main"]
    assert (status["context"], status["state"], status["target_url"]) == ("notebook-bot/apply", "failure", RUN_URL)
    assert status["description"].startswith("Error: Error creating Instance: googleapi: Error 403: Permission")
    assert len(status["description"]) == 140 and status["description"].endswith("…")


def test_one_failed_shard_fails_the_status_even_when_a_later_shard_succeeded(
    github: GitHubServer, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    quota = "Error: Quota 'CPUS' exceeded. Limit: 24.0 in region europe-west1.\n"
    record(results, "environments/shard-01", "failure", quota)
    record(results, "environments/shard-02", "success", "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n")
    done = post(github, results, "notebook-bot/apply", ["environments/shard-01", "environments/shard-02"])
    assert done.returncode == 0, done.stderr
    (status,) = posted(github)
    assert status["state"] == "failure"
    assert status["description"] == (
        "environments/shard-01: Error: Quota 'CPUS' exceeded. Limit: 24.0 in region europe-west1."
    )


def test_every_root_applied_sets_success(github: GitHubServer, tmp_path: Path) -> None:
    results = tmp_path / "results"
    for root in ("environments/shard-00", "environments/shard-03"):
        record(results, root, "success", "Apply complete!\n")
    done = post(github, results, "notebook-bot/apply", ["environments/shard-00", "environments/shard-03"])
    assert done.returncode == 0, done.stderr
    (status,) = posted(github)
    assert status["state"] == "success"
    assert status["description"] == "2 roots applied: environments/shard-00, environments/shard-03"


def test_a_plan_whose_job_never_reported_is_a_failure_not_a_silent_success(
    github: GitHubServer, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    record(results, "environments/shard-00", "success", "No changes.\n")
    done = post(github, results, "notebook-bot/plan", ["environments/shard-00", "environments/shard-05"])
    assert done.returncode == 0, done.stderr
    (status,) = posted(github)
    assert (status["context"], status["state"]) == ("notebook-bot/plan", "failure")
    assert status["description"] == "environments/shard-05: no result (job cancelled or skipped); see the run"


def test_a_failed_fmt_fails_the_plan_status(github: GitHubServer, tmp_path: Path) -> None:
    results = tmp_path / "results"
    record(results, "environments", "success", "No changes.\n")
    done = post(github, results, "notebook-bot/plan", ["environments"], "terraform fmt=failure")
    assert done.returncode == 0, done.stderr
    assert [(s["state"], s["description"]) for s in posted(github)] == [
        ("failure", "terraform fmt did not pass (failure); see the run")
    ]


def test_a_pull_request_that_changes_no_root_still_gets_its_status(github: GitHubServer, tmp_path: Path) -> None:
    done = post(github, tmp_path / "none", "notebook-bot/plan", [])
    assert done.returncode == 0, done.stderr
    assert [(s["state"], s["description"]) for s in posted(github)] == [
        ("success", "no Terraform root changed: nothing to plan")
    ]


def test_a_github_outage_is_retried_and_the_status_posted_once(github: GitHubServer, tmp_path: Path) -> None:
    github.fail("POST", r"/statuses/", status=502, times=1)
    results = tmp_path / "results"
    record(results, "environments", "success", "Apply complete!\n")
    done = post(github, results, "notebook-bot/apply", ["environments"])
    assert done.returncode == 0, done.stderr
    assert [c.status for c in github.calls if "/statuses/" in c.path] == [502, 201]
    assert len(posted(github)) == 1


def test_a_refusal_fails_the_job_with_githubs_message_and_is_not_retried(github: GitHubServer, tmp_path: Path) -> None:
    results = tmp_path / "results"
    record(results, "environments", "success", "Apply complete!\n")
    done = run(
        "post", "--context", "notebook-bot/apply", "--sha", "f" * 40, "--results", str(results),
        "--roots", '["environments"]', "--target-url", RUN_URL, env=github_env(github),
    )  # fmt: skip
    assert done.returncode != 0
    assert "HTTP 422" in done.stderr and "No commit found for SHA" in done.stderr
    assert len([c for c in github.calls if "/statuses/" in c.path]) == 1


# --- with real Terraform --------------------------------------------------------------------------------


def terraform() -> str:
    path = shutil.which("terraform")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is not installed")
        pytest.skip("terraform is not installed")
    return path


def tf(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "true", "TF_INPUT": "false", "CHECKPOINT_DISABLE": "1"}
    env.pop("TF_CLI_CONFIG_FILE", None)
    return subprocess.run([terraform(), f"-chdir={root}", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_first_error_of_a_real_terraform_apply_reaches_the_status(github: GitHubServer, tmp_path: Path) -> None:
    root = tmp_path / "environments"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "cpus" {\n  default = 32\n}\n\n'
        'resource "terraform_data" "quota" {\n'
        "  lifecycle {\n"
        "    precondition {\n"
        "      condition     = var.cpus <= 24\n"
        '      error_message = "Quota CPUS exceeded in europe-west1."\n'
        "    }\n"
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    assert tf(root, "init", "-input=false", "-no-color").returncode == 0
    applied = tf(root, "apply", "-input=false", "-no-color", "-auto-approve")
    assert applied.returncode != 0
    results = tmp_path / "results"
    record(results, "environments", "failure", applied.stdout + applied.stderr)
    done = post(github, results, "notebook-bot/apply", ["environments"])
    assert done.returncode == 0, done.stderr
    (status,) = posted(github)
    assert (status["state"], status["description"]) == ("failure", "Error: Resource precondition failed")


def test_a_new_root_plans_against_an_empty_state_without_touching_the_state_bucket(tmp_path: Path) -> None:
    # The read-only plan identity may not create state; plan.yml swaps in this override for a root without one.
    root = tmp_path / "environments" / "shard-07"
    root.mkdir(parents=True)
    shutil.copy(GITHUB / "terraform" / "backend.tf", root / "zz_ci_backend.tf")
    environment = 'resource "terraform_data" "nb_alice" {\n  input = "alice"\n}\n'
    (root / "nb-alice.tf").write_text(environment, encoding="utf-8")
    shutil.copy(GITHUB / "terraform" / "new_root_override.tf", root / "zz_ci_new_root_override.tf")
    # Without the override, init would need the GCS bucket (and network); with it, it is local and offline.
    init = tf(root, "init", "-input=false", "-no-color")
    assert init.returncode == 0, init.stderr
    plan = tf(root, "plan", "-input=false", "-no-color", "-lock=false")
    assert plan.returncode == 0, plan.stderr
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in plan.stdout


def test_github_refuses_a_description_over_140_characters_which_is_why_the_script_cuts_it(
    github: GitHubServer, tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request

    sha = github.refs["heads/main"]
    body = json.dumps({"state": "failure", "context": "notebook-bot/apply", "description": "x" * 141}).encode()
    request = urllib.request.Request(
        f"{github.url}/repos/{github.repo}/statuses/{sha}",
        data=body,
        method="POST",
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 422
    assert "description is too long (maximum is 140 characters)" in refused.value.read().decode()
    results = tmp_path / "results"
    record(results, "environments", "failure", "Error: " + "quota exceeded " * 20)
    done = post(github, results, "notebook-bot/apply", ["environments"])
    assert done.returncode == 0, done.stderr
    assert [len(s["description"]) for s in posted(github)] == [140]
