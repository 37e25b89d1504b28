"""The bot root's locals and variable validations, evaluated by real Terraform (`terraform console`, offline).

The google provider cannot be downloaded here, so the root's `locals` blocks and variables are copied into a
scratch root without resources, the two project-number data sources replaced by numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "deploy" / "terraform" / "bot"
BOT_NUMBER, ENVIRONMENTS_NUMBER = "123456789012", "210987654321"
VARIABLES = {
    "project": "acme-bot",
    "environments_project": "acme-analytics",
    "github_repo": "acme/notebook-infra",
    "github_repository_id": "812345678",
    "github_repository_owner_id": "1234567",
}


def locals_blocks(text: str) -> list[str]:
    return re.findall(r"^locals \{\n.*?^\}\n", text, re.M | re.S)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("terraform") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is not installed")
        pytest.skip("terraform is not installed")
    base = tmp_path_factory.mktemp("tf")
    root = base / "deploy" / "terraform" / "bot"  # same depth: file("${path.module}/../../firestore/...")
    root.mkdir(parents=True)
    shutil.copytree(REPO / "deploy" / "firestore", base / "deploy" / "firestore")
    shutil.copy(ROOT / "variables.tf", root / "variables.tf")
    blocks = [block for path in ("main.tf", "firestore.tf", "infra_ci.tf") for block in locals_blocks(
        (ROOT / path).read_text(encoding="utf-8"))]  # fmt: skip
    text = "\n".join(blocks)
    text = text.replace("data.google_project.bot.number", f'"{BOT_NUMBER}"')
    text = text.replace("data.google_project.environments.number", f'"{ENVIRONMENTS_NUMBER}"')
    assert "data." not in text and "google_" not in text, "a local now reads a resource: extend this scratch root"
    (root / "locals.tf").write_text(text, encoding="utf-8")
    return root


def evaluate(root: Path, expression: str, **overrides: Any) -> Any:
    values = {**VARIABLES, **overrides}
    args = [f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in values.items()]
    env = {k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"} | {"CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(
        ["terraform", f"-chdir={root}", "console", *args],
        input=f"jsonencode({expression})\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    errors = re.sub(r"\x1b\[[0-9;]*m", "", done.stderr)
    if done.returncode != 0 or "Error:" in errors:  # console reports a failed validation with exit 0
        raise AssertionError(errors)
    return json.loads(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_urls_the_admin_pastes_are_cloud_runs_deterministic_ones(scratch: Path) -> None:
    base = f"https://notebook-bot-{BOT_NUMBER}.europe-west1.run.app"
    assert evaluate(scratch, "local.base_url") == base
    assert evaluate(scratch, "local.reconcile_url") == f"{base}/tasks/reconcile"
    assert evaluate(scratch, "local.base_url", public_url="https://bot.example.com/") == "https://bot.example.com"
    assert evaluate(scratch, "local.store_url") == "firestore://acme-bot/notebook-bot"


def test_apply_is_trusted_for_exactly_the_apply_workflow_on_main(scratch: Path) -> None:
    assert evaluate(scratch, "local.apply_workflow_ref") == (
        "acme/notebook-infra/.github/workflows/apply.yml@refs/heads/main"
    )


def test_the_vm_service_accounts_default_to_the_environments_projects_compute_account(scratch: Path) -> None:
    assert evaluate(scratch, "local.vm_service_accounts") == [
        f"{ENVIRONMENTS_NUMBER}-compute@developer.gserviceaccount.com"
    ]
    named = ["dataproc-vm@acme-analytics.iam.gserviceaccount.com"]
    assert evaluate(scratch, "local.vm_service_accounts", vm_service_accounts=named) == named


def test_every_firestore_index_gets_its_own_key(scratch: Path) -> None:
    indexes = json.loads((REPO / "deploy" / "firestore" / "indexes.json").read_text(encoding="utf-8"))["indexes"]
    keys = evaluate(scratch, "keys(local.firestore_indexes)")
    assert len(keys) == len(indexes)


def test_a_repository_name_instead_of_its_id_is_refused_in_one_line(scratch: Path) -> None:
    with pytest.raises(AssertionError, match=r"github_repository_id is a number: gh api repos/OWNER/NAME --jq \.id"):
        evaluate(scratch, "local.apply_workflow_ref", github_repository_id="acme/notebook-infra")
