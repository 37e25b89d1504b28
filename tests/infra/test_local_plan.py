"""The embedded repository's plan (the bot's own check of the files: they parse, and ``terraform fmt``
agrees where Terraform is installed), its merge and a push, on a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.infra.base import PLAN, FileChange, MergeRefused
from bot.infra.local_git import LocalGitRepo
from bot.infra.local_plan import check_files

GOOD = 'module "nb" {\n  source = "../modules/workbench"\n  name   = "alice"\n}\n'
UNPARSEABLE = 'module "nb" {\n  source = "../modules/workbench"\n'
UNFORMATTED = 'module "nb" {\nsource = "../modules/workbench"\n     name = "alice"\n}\n'
TERRAFORM = shutil.which("terraform")


def test_files_that_do_not_parse_fail_the_plan_with_the_first_problem() -> None:
    status = check_files({"environments/a.tf": GOOD, "environments/b.tf": UNPARSEABLE}, terraform="")
    assert status.context == PLAN and status.state == "failure"
    assert status.description.startswith("environments/b.tf does not parse")


def test_without_terraform_the_fmt_check_is_skipped_and_says_so() -> None:
    status = check_files({"environments/a.tf": UNFORMATTED}, terraform="")
    assert status.state == "success" and "terraform fmt -check skipped" in status.description


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed on this machine")
def test_with_terraform_unformatted_files_fail_and_formatted_ones_pass() -> None:
    failed = check_files({"environments/a.tf": UNFORMATTED})
    assert failed.state == "failure" and "not formatted" in failed.description
    passed = check_files({"environments/a.tf": GOOD, "README.md": "not terraform"})
    assert passed.state == "success" and passed.description == "1 file(s) parse and pass terraform fmt -check"


def test_the_local_plan_checks_what_the_branch_writes_and_follows_a_push(tmp_path: Path) -> None:
    repo = LocalGitRepo(tmp_path / "infra")
    pr = repo.open_pull_request(
        FileChange(branch="notebook-bot/r1", title="t", body="b", files={"environments/a.tf": UNPARSEABLE})
    )
    failed = repo.commit_status(pr.head_sha, PLAN)
    assert failed is not None and failed.state == "failure" and "does not parse" in failed.description
    assert repo.commit_status(pr.head_sha, "notebook-bot/apply") is None  # no pipeline: no apply status

    again = repo.push_to_pull_request(
        FileChange(branch="notebook-bot/r1", title="t", body="b", files={"environments/a.tf": GOOD})
    )
    assert again.number == pr.number and again.head_sha != pr.head_sha and again.state == "open"
    passed = repo.commit_status(again.head_sha, PLAN)
    assert passed is not None and passed.state == "success"

    with pytest.raises(MergeRefused):  # the head the plan failed on is not the head any more
        repo.merge_pull_request(pr, method="squash", title="t", message="m")
    merged = repo.merge_pull_request(again, method="squash", title="t", message="m")
    assert merged.state == "merged" and merged.merge_sha
    assert repo.read_on_base("environments/a.tf") == GOOD.rstrip("\n")
    with pytest.raises(MergeRefused):
        repo.merge_pull_request(again, method="squash", title="t", message="m")
