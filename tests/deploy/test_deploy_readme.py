"""deploy/README.md, followed as written: every gcloud, gh, terraform and notebook-bot command in it uses flags its
CLI documents, works from the repository root, survives zsh, and the steps come in the order that works."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.deploy.cli_flags import problems_with

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
TOOLS = {"gcloud", "gh", "terraform", "notebook-bot"}
KEYWORDS = {"do", "then", "else", "done", "fi", "while", "if", "!"}


def shell_blocks(text: str) -> list[str]:
    return [block.replace("\\\n", " ") for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def commands(text: str) -> list[list[str]]:
    """Every simple command of the README's sh blocks that runs one of TOOLS, as argv."""
    found = []
    for block in shell_blocks(text):
        for line in block.splitlines():
            line = line.split(" # ", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            segment: list[str] = []
            for token in [*lexer, ";"]:
                if token in {";", "&&", "||", "|", "&"}:
                    while segment and (segment[0] in KEYWORDS or re.fullmatch(r"[A-Z_]+=\S*", segment[0])):
                        segment = segment[1:]
                    if segment and Path(segment[0]).name in TOOLS:
                        found.append(segment)
                    segment = []
                else:
                    segment.append(token)
    return found


def test_every_command_in_the_readme_uses_documented_flags() -> None:
    found = commands(README)
    assert len(found) > 30
    assert [problem for command in found for problem in problems_with(command)] == []


def test_the_checker_reads_pipes_quotes_and_continuations() -> None:
    sample = '```sh\nread -rs X && printf %s "$X" | gcloud secrets versions add s --data=- \\\n  --project=p\n```'
    (command,) = commands(sample)
    assert problems_with(command) == ["gcloud secrets versions add s --data=- --project=p: --data is not a flag of "
                                      "gcloud secrets versions add", "gcloud secrets versions add s --data=- "
                                      "--project=p: needs --data-file"]  # fmt: skip


def test_every_terraform_command_runs_from_the_repository_root() -> None:
    for command in commands(README):
        if command[0] == "terraform":
            assert command[1] == "-chdir=deploy/terraform/bot", shlex.join(command)
    assert not re.search(r"^\s*cd deploy", README, re.M)


def test_every_gh_form_field_is_quoted_for_zsh() -> None:
    # zsh expands an unquoted [ ] as a glob and stops: "no matches found: config[content_type]=json".
    for block in shell_blocks(README):
        assert not re.search(r"(?<!['\"])\b\w+\[\w*\]=", block), block


def position(text: str) -> int:
    index = README.find(text)
    assert index >= 0, text
    return index


def test_the_steps_come_in_the_order_that_works() -> None:
    assert position("gcloud config set project") < position("terraform -chdir=deploy/terraform/bot apply")
    assert position("environments_project") < position("terraform -chdir=deploy/terraform/bot init")
    # The policy is written and validated before it is uploaded.
    assert position("cp deploy/policy.example.yaml policy.yaml") < position("check-config --policy-only")
    assert position("check-config --policy-only") < position("--data-file=policy.yaml")
    # CI variables before the content: the first push runs apply.yml, which creates the state plans read.
    assert position("gh variable set") < position("push origin HEAD:main")
    assert position("/invite @notebook-bot") < position("branches/main/protection")
    assert position("'events[]=status'") > 0
    assert "Issues | read & write" in README
    assert "invoker_iam_disabled" in README and "allUsers" not in README.replace("an `allUsers` binding", "")


def test_day_two_has_policy_validation_webhook_rotation_and_a_failed_apply_runbook() -> None:
    operations = README[position("## Operations") :]
    assert operations.find("check-config --policy-only") < operations.find("versions add notebook-bot-policy")
    assert "hooks/$HOOK/config" in operations
    for runbook in ("gh run rerun", "force-unlock", "default.tflock", "--all-versions"):
        assert runbook in operations
    assert "gcloud firestore databases restore" in operations
    assert "jsonPayload.error_id" in operations
