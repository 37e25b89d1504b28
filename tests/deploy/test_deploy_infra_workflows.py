"""The infrastructure repository's CI: plans on pull requests, applies main one run at a time, keyless."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "deploy" / "infra-repo" / ".github"
CHANGED_ROOTS = GITHUB / "scripts" / "changed_roots.py"


def workflow(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((GITHUB / "workflows" / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded  # type: ignore[no-any-return]


def steps(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in flow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml"])
def test_google_auth_is_workload_identity_federation_only(name: str) -> None:
    flow = workflow(name)
    assert flow["permissions"]["id-token"] == "write"
    assert flow["permissions"]["contents"] == "read"
    assert flow["permissions"]["pull-requests"] == "write"
    auth = [s for s in steps(flow) if s.get("uses", "").startswith("google-github-actions/auth@")]
    assert auth
    for step in auth:
        assert step["uses"] == "google-github-actions/auth@v2"
        assert step["with"]["workload_identity_provider"] == "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
        assert step["with"]["service_account"].startswith("${{ vars.")
    assert "credentials_json" not in (GITHUB / "workflows" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml"])
def test_terraform_setup_is_pinned(name: str) -> None:
    setups = [s for s in steps(workflow(name)) if s.get("uses", "").startswith("hashicorp/setup-terraform@")]
    assert setups
    for step in setups:
        ref = step["uses"].split("@", 1)[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), "pin the action to a commit"
        assert step["with"]["terraform_version"]


def test_pull_requests_are_planned_and_formatted() -> None:
    flow = workflow("plan.yml")
    assert "pull_request" in flow["on"]
    runs = " ".join(s.get("run", "") for s in steps(flow))
    assert "terraform fmt -check -recursive" in runs
    assert "terraform init" in runs and "terraform plan" in runs
    assert flow["jobs"]["plan"]["strategy"]["matrix"]["root"] == "${{ fromJSON(needs.roots.outputs.roots) }}"
    comment = [s for s in steps(flow) if s.get("uses", "").startswith("actions/github-script@")]
    assert comment and "updateComment" in comment[0]["with"]["script"]


def test_main_is_applied_one_run_at_a_time() -> None:
    flow = workflow("apply.yml")
    assert flow["on"]["push"]["branches"] == ["main"]
    assert flow["concurrency"] == {"group": "terraform-apply", "cancel-in-progress": False}
    runs = " ".join(s.get("run", "") for s in steps(flow))
    assert "terraform apply" in runs and "-auto-approve" in runs
    assert "pull_request" not in flow["on"]


# --- which roots a change plans: run the real script against a real git history ---------------------


def git(repo: Path, *args: str) -> str:
    command = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
        *args,
    ]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def write(repo: Path, files: dict[str, str | None]) -> str:
    for path, content in files.items():
        target = repo / path
        if content is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return git(repo, "rev-parse", "HEAD")


def roots(repo: Path, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(CHANGED_ROOTS), "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def infra(tmp_path: Path) -> tuple[Path, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    base = write(
        tmp_path,
        {
            "README.md": "infra\n",
            "modules/workbench/main.tf": "# module\n",
            "environments/shard-00/nb-a.tf": "# a\n",
            "environments/shard-01/nb-b.tf": "# b\n",
            "environments/shard-02/nb-c.tf": "# c\n",
        },
    )
    return tmp_path, base


def test_a_new_environment_plans_only_its_shard(infra: tuple[Path, str]) -> None:
    repo, base = infra
    head = write(repo, {"environments/shard-01/nb-new.tf": "# new\n"})
    assert roots(repo, "--base", base, "--head", head) == ["environments/shard-01"]


def test_a_module_change_plans_every_root(infra: tuple[Path, str]) -> None:
    repo, base = infra
    head = write(repo, {"modules/workbench/main.tf": "# module v2\n"})
    assert roots(repo, "--base", base, "--head", head) == [
        "environments/shard-00",
        "environments/shard-01",
        "environments/shard-02",
    ]


def test_a_docs_change_plans_nothing(infra: tuple[Path, str]) -> None:
    repo, base = infra
    head = write(repo, {"README.md": "more docs\n"})
    assert roots(repo, "--base", base, "--head", head) == []


def test_deleting_the_last_environment_of_a_shard_still_plans_that_shard(infra: tuple[Path, str]) -> None:
    repo, base = infra
    head = write(repo, {"environments/shard-02/nb-c.tf": None})
    # Planned empty, its state's resources are destroyed rather than orphaned.
    assert roots(repo, "--base", base, "--head", head) == ["environments/shard-02"]


def test_flat_layout_and_unknown_base_select_every_root(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    head = write(tmp_path, {"environments/nb-a.tf": "# a\n", "environments/providers.tf": "# p\n"})
    assert roots(tmp_path, "--base", "0" * 40, "--head", head) == ["environments"]
    assert roots(tmp_path, "--all") == ["environments"]
    assert roots(tmp_path, "--base", "", "--head", head) == ["environments"]


def test_docs_beside_shards_do_not_invent_a_root(infra: tuple[Path, str]) -> None:
    repo, base = infra
    head = write(repo, {"environments/README.md": "how shards work\n"})
    assert roots(repo, "--base", base, "--head", head) == []


# --- the status contract (DESIGN §4): one commit status per run, from a job that always runs -------------


@pytest.mark.parametrize(("name", "context", "sha"), [
    ("plan.yml", "notebook-bot/plan", "${{ github.event.pull_request.head.sha }}"),
    ("apply.yml", "notebook-bot/apply", "$GITHUB_SHA"),
])  # fmt: skip
def test_a_final_job_sets_the_commit_status_whatever_happened(name: str, context: str, sha: str) -> None:
    flow = workflow(name)
    assert flow["permissions"]["statuses"] == "write"
    result = flow["jobs"]["result"]
    assert result["if"] == "always()"
    assert {"roots", "plan" if name == "plan.yml" else "apply"} <= set(result["needs"])
    (post,) = [s for s in result["steps"] if "commit_status.py post" in s.get("run", "")]
    assert f"--context {context}" in post["run"]
    # The head commit of a PR is not github.sha (the merge commit), on main it is.
    if sha.startswith("${{"):
        assert post["env"]["HEAD_SHA"] == sha and '--sha "$HEAD_SHA"' in post["run"]
    else:
        assert f'--sha "{sha}"' in post["run"]
    run_url = "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
    assert post["env"]["RUN_URL"] == run_url
    # Root names come from the pull request: they reach the shell as variables, never pasted into it.
    assert "${{" not in post["run"]
    job = flow["jobs"]["plan" if name == "plan.yml" else "apply"]
    (rec,) = [s for s in job["steps"] if "commit_status.py record" in s.get("run", "")]
    assert rec["if"] == "always()"
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in job["steps"])


def test_a_root_without_state_is_planned_without_writing_to_the_state_bucket() -> None:
    init = next(s for s in workflow("plan.yml")["jobs"]["plan"]["steps"] if s.get("name") == "terraform init")
    assert "gcloud storage objects describe" in init["run"]
    assert "new_root_override.tf" in init["run"]
    assert (GITHUB / "terraform" / "new_root_override.tf").is_file()
