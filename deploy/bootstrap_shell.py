"""What deploy/bootstrap runs commands with, and what it knows about the deployment (stdlib only)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TF_DIR = REPO / "deploy" / "terraform" / "bot"
TFVARS = TF_DIR / "terraform.tfvars"


class Stop(Exception):
    """Only a person can go on: the message says what to do; rerunning continues from there."""


@dataclass
class Result:
    code: int
    out: str = ""
    err: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


class Shell:
    """Read-only checks always run; commands that change something are printed, and run unless dry_run."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run

    def check(self, *command: str, env: dict[str, str] | None = None) -> Result:
        """Run a read-only command and capture its output (never printed: it may hold a secret)."""
        if shutil.which(command[0]) is None and not Path(command[0]).is_file():
            return Result(127, "", f"{command[0]}: not installed")
        done = subprocess.run(list(command), capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
        return Result(done.returncode, done.stdout, done.stderr)

    def change(
        self,
        *command: str,
        stdin: str | None = None,
        shown_stdin: str = "(hidden)",
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        interactive: bool = False,
    ) -> Result:
        """Print the command; run it unless dry_run. A failure stops the bootstrap with the command's error."""
        line = "$ " + shlex.join(command) + (f" < {shown_stdin}" if stdin is not None else "")
        if self.dry_run:
            print(f"  [dry-run] {line}", flush=True)
            return Result(0)
        print(f"  {line}", flush=True)
        if interactive:  # terraform apply asks for approval on the admin's terminal
            code = subprocess.run(list(command), cwd=cwd, env=env).returncode
            done = Result(code)
        else:
            ran = subprocess.run(list(command), input=stdin, capture_output=True, text=True, cwd=cwd, env=env)
            done = Result(ran.returncode, ran.stdout, ran.stderr)
        if not done.ok:
            detail = (done.err or done.out).strip().splitlines()[-5:] or ["(its output is above)"]
            raise Stop(f"this command failed (exit {done.code}):\n      " + "\n      ".join(detail))
        return done

    def write(self, path: Path, text: str, what: str) -> None:
        """Write a file the admin keeps (terraform.tfvars, policy.yaml)."""
        if self.dry_run:
            print(f"  [dry-run] would write {path} ({what})", flush=True)
            return
        path.write_text(text, encoding="utf-8")
        print(f"  wrote {path} ({what})", flush=True)


def done(message: str) -> None:
    print(f"  ✓ {message}", flush=True)


def by_hand(message: str) -> None:
    print(f"  ✋ by hand: {message}", flush=True)


@dataclass
class Context:
    """The admin's answers and what earlier steps found out."""

    shell: Shell
    project: str
    environments_project: str
    region: str
    repo: str
    github_app_id: str | None
    github_app_key: Path | None
    notebook_users: list[str]
    policy: Path
    image_tag: str | None
    yes: bool
    repository_id: str = "<repository-id>"
    owner_id: str = "<owner-id>"
    notebook_bot: str = "notebook-bot"
    outputs: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: argparse.Namespace, shell: Shell) -> Context:
        return cls(
            shell=shell,
            project=args.project,
            environments_project=args.environments_project or args.project,
            region=args.region,
            repo=args.repo,
            github_app_id=args.github_app_id,
            github_app_key=args.github_app_key,
            notebook_users=[m.strip() for m in args.notebook_users.split(",") if m.strip()],
            policy=args.policy.resolve(),
            image_tag=args.image_tag,
            yes=args.yes,
        )

    @property
    def dry_run(self) -> bool:
        return self.shell.dry_run

    def terraform(self, *args: str) -> list[str]:
        # -chdir with an absolute path: the bootstrap works from any directory.
        return ["terraform", f"-chdir={TF_DIR}", *args]

    def output(self, name: str) -> object:
        """A Terraform output of deploy/terraform/bot, or a placeholder before the first apply (dry run)."""
        if name not in self.outputs:
            found = self.shell.check(*self.terraform("output", "-json"))
            if found.ok and found.out.strip():
                self.outputs.update({k: v["value"] for k, v in json.loads(found.out).items()})
        return self.outputs.get(name, f"<{name}>")

    def secret_id(self, key: str) -> str:
        ids = self.output("secret_ids")
        return ids[key] if isinstance(ids, dict) and key in ids else f"notebook-bot-{key.replace('_', '-')}"

    def bot_env(self) -> dict[str, str]:
        """The environment `notebook-bot` needs to act as the deployed bot (doctor, check-config)."""
        env = dict(os.environ)
        env.update(
            NOTEBOOK_BOT_CONFIG=str(self.policy),
            NOTEBOOK_BOT_REPO=f"github:{self.repo}",
            NOTEBOOK_BOT_STORE=f"firestore://{self.project}/notebook-bot",
            NOTEBOOK_BOT_CLOUD="gcp",
            NOTEBOOK_BOT_LOG_FORMAT="text",
        )
        if self.github_app_id:
            env["GITHUB_APP_ID"] = self.github_app_id
        return env
