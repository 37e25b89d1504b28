"""The embedded repository's "plan": the bot's own check of the files a pull request writes.

Without a CI pipeline there is no ``terraform plan``; what can be checked offline is that every Terraform
file parses (python-hcl2) and is formatted as ``terraform fmt`` would write it, where Terraform is installed
(skipped, and said so in the status, where it is not). The result is a ``notebook-bot/plan`` commit status,
the same shape the GitHub pipeline reports.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Mapping

from bot.infra.base import PLAN, CommitStatus


def first_line(text: str) -> str:
    """Terraform's first error line (``Error: …``), else the first line that says anything."""
    lines = [line.strip(" │╷╵\t") for line in text.splitlines()]
    lines = [line for line in lines if line]
    return next((line for line in lines if line.startswith("Error:")), lines[0] if lines else "")


def check_files(files: Mapping[str, str], *, terraform: str | None = None) -> CommitStatus:
    """``success`` when every ``.tf`` file parses and is formatted; else ``failure`` with the first problem."""
    import hcl2  # lark's grammar: a tenth of a cold start to load, so only once a pull request is checked

    tf = {path: content for path, content in sorted(files.items()) if path.endswith(".tf")}
    for path, content in tf.items():
        try:
            hcl2.load(io.StringIO(content))
        except Exception as e:  # python-hcl2 raises lark's errors: any of them means "does not parse"
            return CommitStatus(PLAN, "failure", f"{path} does not parse: {first_line(str(e))}"[:140])
    binary = terraform if terraform is not None else shutil.which("terraform")
    if not binary:
        return CommitStatus(PLAN, "success", f"{len(tf)} file(s) parse; terraform fmt -check skipped: no terraform")
    for path, content in tf.items():
        try:
            done = subprocess.run(
                [binary, "fmt", "-no-color", "-"], input=content, capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            return CommitStatus(PLAN, "success", f"{len(tf)} file(s) parse; terraform fmt -check skipped: {e}"[:140])
        if done.returncode != 0:
            return CommitStatus(PLAN, "failure", f"{path}: {first_line(done.stderr)}"[:140])
        if done.stdout != content:
            return CommitStatus(PLAN, "failure", f"{path} is not formatted as terraform fmt writes it")
    return CommitStatus(PLAN, "success", f"{len(tf)} file(s) parse and pass terraform fmt -check")
