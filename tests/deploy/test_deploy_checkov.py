"""checkov (offline) finds nothing in what ships under deploy/: every finding is fixed, or skipped in the code
with its reason (`# checkov:skip=ID: why`).

checkov is not a project dependency, and must not go into the project's venv: it depends on bc-python-hcl2,
which replaces python-hcl2's `hcl2` module with another parser. Give it a venv of its own:
`python3 -m venv /tmp/checkov && /tmp/checkov/bin/pip install checkov`, then run with
`CHECKOV=/tmp/checkov/bin/checkov` (or put it on PATH). Without it these tests are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def checkov() -> str:
    candidates = [os.environ.get("CHECKOV"), shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.skip("checkov is not installed (in a venv of its own; set CHECKOV=PATH, see this file's docstring)")


def findings(*target: str) -> list[str]:
    # --skip-download: no call to Prisma Cloud; the checks ship with the package.
    command = [checkov(), *target, "--skip-download", "--quiet", "--output", "json", "--soft-fail"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    reports: Any = json.loads(done.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']}:{check['file_line_range'][0]}): "
        f"{check['check_name']}"
        for report in reports
        if isinstance(report, dict) and "results" in report
        for check in report["results"].get("failed_checks", [])
    ]


@pytest.mark.parametrize(
    "target",
    [
        ("-d", "deploy/terraform/bot", "--framework", "terraform", "secrets"),
        ("-d", "deploy/terraform/modules", "--framework", "terraform"),
        ("-d", "deploy/infra-repo", "--framework", "terraform", "github_actions"),
        ("-f", "deploy/Dockerfile", "--framework", "dockerfile"),
    ],
    ids=["bot", "modules", "infra-repo", "dockerfile"],
)
def test_checkov_finds_nothing_left_unexplained(target: tuple[str, ...]) -> None:
    assert findings(*target) == []
