"""deploy/bootstrap's steps up to the infrastructure repository's first apply. Each checks first, changes only
what is missing, and says which; bootstrap_service.py has the steps from the image to `notebook-bot doctor`."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from getpass import getpass
from pathlib import Path

from bootstrap_shell import REPO, TFVARS, Context, Stop, by_hand, done

BASE_APIS = ["cloudresourcemanager.googleapis.com", "serviceusage.googleapis.com", "iam.googleapis.com"]
SECRET_ORDER = ["slack_bot_token", "slack_signing_secret", "github_credential", "github_webhook_secret", "policy"]
APP_PERMISSIONS = (
    "Repository permissions: Contents read & write, Pull requests read & write, Issues read & write (labels), "
    "Commit statuses read, Metadata read; Administration read and Webhooks read let `notebook-bot doctor` "
    "check branch protection and the webhook. No webhook on the App (this script adds one to the repository)."
)


def tools(ctx: Context) -> None:
    missing = [tool for tool in ("gcloud", "gh", "terraform", "git") if shutil.which(tool) is None]
    if missing:
        raise Stop(f"install {', '.join(missing)} (see deploy/README.md, 'You need'), then rerun")
    version = ctx.shell.check("terraform", "version", "-json")
    found = json.loads(version.out or "{}").get("terraform_version", "0") if version.ok else "0"
    if tuple(int(part) for part in re.findall(r"\d+", found)[:2]) < (1, 5):
        raise Stop(f"Terraform {found} is too old: install 1.5 or later")
    if not ctx.shell.check("gh", "auth", "status").ok:
        raise Stop("log GitHub's CLI in: gh auth login --scopes repo,workflow,admin:repo_hook")
    account = ctx.shell.check("gcloud", "auth", "list", "--filter=status:ACTIVE", "--format=value(account)")
    if not account.out.strip():
        raise Stop("log gcloud in: gcloud auth login")
    local = REPO / ".venv" / "bin" / "notebook-bot"
    ctx.notebook_bot = shutil.which("notebook-bot") or (str(local) if local.is_file() else "")
    if not ctx.notebook_bot:
        raise Stop("install the bot's command line: make install (then it is .venv/bin/notebook-bot)")
    done(f"gcloud ({account.out.strip()}), gh, terraform {found}, git, {ctx.notebook_bot}")


def project(ctx: Context) -> None:
    current = ctx.shell.check("gcloud", "config", "get-value", "project").out.strip()
    if current == ctx.project:
        done(f"gcloud's project is {ctx.project}")
    else:
        ctx.shell.change("gcloud", "config", "set", "project", ctx.project)
    if not ctx.shell.check("gcloud", "auth", "application-default", "print-access-token").ok:
        raise Stop("give Terraform credentials: gcloud auth application-default login")
    adc = Path(os.environ.get("CLOUDSDK_CONFIG", Path.home() / ".config" / "gcloud"))
    adc = adc / "application_default_credentials.json"
    quota = json.loads(adc.read_text(encoding="utf-8")).get("quota_project_id") if adc.is_file() else None
    if quota == ctx.project:
        done(f"application-default credentials bill quota to {ctx.project}")
    else:
        ctx.shell.change("gcloud", "auth", "application-default", "set-quota-project", ctx.project)
    for target in dict.fromkeys([ctx.project, ctx.environments_project]):
        listed = ctx.shell.check(
            "gcloud", "services", "list", "--enabled", f"--project={target}", "--format=value(config.name)"
        )
        missing = [api for api in BASE_APIS if api not in listed.out.split()]
        if missing:
            ctx.shell.change("gcloud", "services", "enable", *missing, f"--project={target}")
        else:
            done(f"{', '.join(BASE_APIS)} enabled in {target}")


def slack_app(ctx: Context) -> None:
    by_hand(
        "once: https://api.slack.com/apps → Create New App → From an app manifest → paste "
        "deploy/slack-app-manifest.yaml → Create → Install to Workspace. Keep the Bot User OAuth Token "
        "(xoxb-…) and Basic Information → Signing Secret: step 'Secret values' asks for them "
        "(or export SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET before running this)."
    )


def github_app(ctx: Context) -> None:
    if ctx.github_app_id is None and TFVARS.is_file():
        match = re.search(r'^github_app_id\s*=\s*"([^"]+)"', TFVARS.read_text(encoding="utf-8"), re.M)
        ctx.github_app_id = match[1] if match else None
    if ctx.github_app_id is None:
        raise Stop(
            f"create a GitHub App in {ctx.repo.split('/')[0]} (Settings → Developer settings → GitHub Apps → New): "
            f"{APP_PERMISSIONS} Generate a private key (.pem), then rerun with --github-app-id ID "
            "--github-app-key FILE.pem"
        )
    done(f"GitHub App {ctx.github_app_id}")
    by_hand(
        f"once: install the App on {ctx.repo} only (App settings → Install App → Only select repositories). "
        f"Its permissions: {APP_PERMISSIONS}"
    )


def infra_repository(ctx: Context) -> None:
    found = ctx.shell.check("gh", "api", f"repos/{ctx.repo}", "--jq", "[.id, .owner.id] | @tsv")
    if not found.ok:
        if "Not Found" not in found.err and "404" not in found.err:
            raise Stop(f"gh could not read {ctx.repo}: {found.err.strip()}")
        ctx.shell.change(
            "gh", "repo", "create", ctx.repo, "--private", "--description", "Notebook environments (notebook-bot)"
        )
        found = ctx.shell.check("gh", "api", f"repos/{ctx.repo}", "--jq", "[.id, .owner.id] | @tsv")
    else:
        done(f"{ctx.repo} exists")
    if found.ok and found.out.split():
        ctx.repository_id, ctx.owner_id = found.out.split()[:2]


def tfvars(ctx: Context) -> None:
    if TFVARS.is_file():
        text = TFVARS.read_text(encoding="utf-8")
        absent = [k for k in ("project", "github_repo", "github_repository_id", "github_repository_owner_id")
                  if not re.search(rf"^{k}\s*=", text, re.M)]  # fmt: skip
        if absent:
            raise Stop(f"{TFVARS} lacks {', '.join(absent)} (see terraform.tfvars.example)")
        done(f"{TFVARS} exists (edit it by hand; this script only sets image)")
        return
    lines = [
        f'project                    = "{ctx.project}"',
        f'environments_project       = "{ctx.environments_project}"',
        f'region                     = "{ctx.region}"',
        f'github_repo                = "{ctx.repo}"',
        f'github_repository_id       = "{ctx.repository_id}"',
        f'github_repository_owner_id = "{ctx.owner_id}"',
        'github_auth                = "app"',
        f'github_app_id              = "{ctx.github_app_id}"',
        "notebook_users             = " + json.dumps(ctx.notebook_users),
    ]
    ctx.shell.write(TFVARS, "\n".join(lines) + "\n", "Terraform variables; terraform.tfvars.example explains more")


def first_apply(ctx: Context) -> None:
    ctx.shell.change(*ctx.terraform("init", "-input=false"))
    ctx.shell.change(*ctx.terraform("apply", "-input=false", *(["-auto-approve"] if ctx.yes else [])), interactive=True)
    ctx.outputs.clear()
    done("APIs, service accounts, Firestore (PITR, backups), secrets, state bucket, CI identity, notebooks VPC")


def policy(ctx: Context) -> None:
    if not ctx.policy.is_file():
        example = (REPO / "deploy" / "policy.example.yaml").read_text(encoding="utf-8")
        text = example.replace("acme-analytics", ctx.environments_project).replace("europe-west1", ctx.region)
        ctx.shell.write(ctx.policy, text, "your policy, from deploy/policy.example.yaml")
        edit = (
            f"edit {ctx.policy}: slack.admin_channel is a channel ID (channel name → About → Channel ID at the "
            "bottom, C…), slack.admins are member IDs (a profile → ⋮ → Copy member ID, U…), "
            "identity.allowed_domains, the templates; then rerun"
        )
        if ctx.dry_run:
            by_hand(edit)
            return
        raise Stop(edit)
    checked = ctx.shell.check(ctx.notebook_bot, "check-config", "--policy-only", env=ctx.bot_env())
    if not checked.ok:
        raise Stop(f"fix {ctx.policy}, then rerun:\n{checked.out}{checked.err}")
    done(f"{ctx.policy} passes notebook-bot check-config --policy-only")


def secret_value(ctx: Context, key: str) -> tuple[str | None, list[str]]:
    """(stdin, extra args) for `gcloud secrets versions add`, or Stop when only the admin has the value."""
    if key in ("slack_bot_token", "slack_signing_secret"):
        name = key.upper()
        value = os.environ.get(name)
        if value is None and not ctx.dry_run:
            if not sys.stdin.isatty():
                raise Stop(f"export {name} (from the Slack app) or run this in a terminal, then rerun")
            value = getpass(f"  {name} (input hidden): ")
        return value or "", ["--data-file=-"]
    if key == "github_credential":
        if ctx.github_app_key is None or not ctx.github_app_key.is_file():
            raise Stop("rerun with --github-app-key FILE.pem (the GitHub App's private key)")
        return None, [f"--data-file={ctx.github_app_key}"]
    if key == "github_webhook_secret":
        return secrets.token_hex(32), ["--data-file=-"]
    return None, [f"--data-file={ctx.policy}"]


def secret_values(ctx: Context) -> None:
    for key in SECRET_ORDER:
        secret = ctx.secret_id(key)
        listed = ctx.shell.check(
            "gcloud", "secrets", "versions", "list", secret, f"--project={ctx.project}",
            "--filter=state:ENABLED", "--limit=1", "--format=value(name)",
        )  # fmt: skip
        if listed.ok and listed.out.strip():
            if key != "policy":
                done(f"{secret} has a value")
                continue
            latest = ctx.shell.check(
                "gcloud", "secrets", "versions", "access", "latest", f"--secret={secret}", f"--project={ctx.project}"
            )
            if ctx.policy.is_file() and latest.out == ctx.policy.read_text(encoding="utf-8"):
                done(f"{secret} holds {ctx.policy}")
                continue
        stdin, data = secret_value(ctx, key)
        command = ["gcloud", "secrets", "versions", "add", secret, f"--project={ctx.project}", *data]
        ctx.shell.change(*command, stdin=stdin)


def repository_content(ctx: Context) -> None:
    present = ctx.shell.check("gh", "api", f"repos/{ctx.repo}/contents/.github/workflows/apply.yml", "--jq", ".sha")
    if present.ok:
        done(f"{ctx.repo} holds the workflows")
        return
    variables = ctx.output("infra_ci_variables")
    bucket = str(variables.get("TF_STATE_BUCKET")) if isinstance(variables, dict) else "<TF_STATE_BUCKET>"
    scratch = Path(tempfile.gettempdir()) if ctx.dry_run else Path(tempfile.mkdtemp(prefix="notebook-infra-"))
    clone = scratch / "notebook-infra"
    ctx.shell.change("gh", "repo", "clone", ctx.repo, str(clone))
    if ctx.dry_run:
        print(f"  [dry-run] would copy deploy/infra-repo and deploy/terraform/modules into {clone}", flush=True)
    else:
        shutil.copytree(REPO / "deploy" / "infra-repo", clone, dirs_exist_ok=True)
        shutil.copytree(REPO / "deploy" / "terraform" / "modules", clone / "modules", dirs_exist_ok=True)
        backend = clone / "environments" / "backend.tf"
        backend.write_text(backend.read_text().replace("REPLACE-ME-notebook-bot-tfstate", bucket), encoding="utf-8")
    ctx.shell.change("git", "-C", str(clone), "add", "--all")
    ctx.shell.change(
        "git", "-C", str(clone), "commit", "--quiet", "--message", "notebook-bot infrastructure repository"
    )
    ctx.shell.change("git", "-C", str(clone), "push", "origin", "HEAD:main")


def ci_variables(ctx: Context) -> None:
    listed = ctx.shell.check("gh", "variable", "list", "--repo", ctx.repo, "--json", "name,value")
    current = {v["name"]: v["value"] for v in json.loads(listed.out or "[]")} if listed.ok else {}
    wanted = ctx.output("infra_ci_variables")
    wanted = wanted if isinstance(wanted, dict) else {
        name: f"<{name}>"
        for name in ("GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_PLAN_SERVICE_ACCOUNT", "GCP_APPLY_SERVICE_ACCOUNT",
                     "TF_STATE_BUCKET")
    }  # fmt: skip
    for name, value in wanted.items():
        if current.get(name) == value:
            done(f"{name} is set")
        else:
            ctx.shell.change("gh", "variable", "set", name, "--body", str(value), "--repo", ctx.repo)


def first_state(ctx: Context) -> None:
    variables = ctx.output("infra_ci_variables")
    bucket = variables.get("TF_STATE_BUCKET") if isinstance(variables, dict) else "<TF_STATE_BUCKET>"
    state = f"gs://{bucket}/environments/default.tfstate"
    if ctx.shell.check("gcloud", "storage", "objects", "describe", state, f"--project={ctx.project}").ok:
        done(f"{state} exists")
        return
    # The apply workflow (the deployer identity) creates every root's state; plans only read it. Pushing the
    # content started one; start one only when no run is under way or it failed.
    runs = ctx.shell.check(
        "gh",
        "run",
        "list",
        "--workflow",
        "apply.yml",
        "--repo",
        ctx.repo,
        "--limit",
        "1",
        "--json",
        "status,conclusion",
    )
    last = (json.loads(runs.out or "[]") or [{}])[0] if runs.ok else {}
    if last.get("status") in ("queued", "in_progress", "waiting", "pending", "requested"):
        done("the apply workflow is running")
    else:
        ctx.shell.change("gh", "workflow", "run", "apply.yml", "--repo", ctx.repo, "--ref", "main")
    by_hand(f"watch it finish: gh run watch --repo {ctx.repo} (about 2 minutes); the first PR's plan needs it")


FOUNDATION: list[tuple[str, Callable[[Context], None]]] = [
    ("Tools and logins", tools),
    ("Google Cloud project and credentials", project),
    ("Slack app", slack_app),
    ("GitHub App", github_app),
    ("Infrastructure repository", infra_repository),
    ("Terraform variables", tfvars),
    # Before the long apply: a policy still to edit stops the run early.
    ("Policy file", policy),
    ("terraform apply (everything but the service)", first_apply),
    ("Secret values", secret_values),
    # Variables before content: pushing the content runs apply.yml, which needs them.
    ("Infrastructure repository CI variables", ci_variables),
    ("Infrastructure repository content", repository_content),
    ("First apply of the infrastructure repository (creates its state)", first_state),
]
