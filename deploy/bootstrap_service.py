"""deploy/bootstrap's steps from the image to `notebook-bot doctor` (the service, Slack, GitHub, checks)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from bootstrap_shell import REPO, TFVARS, Context, Stop, by_hand, done

PLAN_CHECK = "notebook-bot/plan"


def image_name(ctx: Context) -> str:
    tag = ctx.image_tag
    if tag is None:
        head = ctx.shell.check("git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD")
        tag = head.out.strip() or "latest"
        if ctx.shell.check("git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no").out.strip():
            tag += "-dirty"  # an uncommitted tree is not the commit: never reuse that commit's image
    return f"{ctx.output('image_repository')}/notebook-bot:{tag}"


def image(ctx: Context) -> None:
    name = image_name(ctx)
    if ctx.shell.check("gcloud", "artifacts", "docker", "images", "describe", name, f"--project={ctx.project}").ok:
        done(f"{name} exists")
        return
    # deploy/cloudbuild.yaml builds deploy/Dockerfile; .gcloudignore keeps state, tfvars and keys out of the upload.
    ctx.shell.change(
        "gcloud", "builds", "submit", f"--config={REPO / 'deploy' / 'cloudbuild.yaml'}", f"--substitutions=_IMAGE={name}",
        f"--project={ctx.project}", str(REPO),
    )  # fmt: skip


def service(ctx: Context) -> None:
    name = image_name(ctx)
    text = TFVARS.read_text(encoding="utf-8") if TFVARS.is_file() else ""
    line = f'image = "{name}"'
    if re.search(rf"^{re.escape(line)}$", text, re.M):
        done(f"terraform.tfvars runs {name}")
    else:
        text = re.sub(r"^image\s*=.*\n?", "", text, flags=re.M).rstrip("\n") + f"\n{line}\n"
        ctx.shell.write(TFVARS, text, f"image = {name}")
    # Terraform is the check: "No changes" when the service already runs this image.
    ctx.shell.change(*ctx.terraform("apply", "-input=false", *(["-auto-approve"] if ctx.yes else [])), interactive=True)
    ctx.outputs.clear()


def slack_urls(ctx: Context) -> None:
    url = ctx.output("slack_request_url")
    by_hand(
        f"once: in the Slack app's App Manifest page replace the three https://YOUR-SERVICE/slack/events with {url} "
        "and save (Slack verifies it at once)."
    )
    by_hand(
        "once: in Slack, open the admin channel (policy slack.admin_channel) and type /invite @notebook-bot: "
        "approval cards are posted there (`notebook-bot doctor` checks it)."
    )


def webhook(ctx: Context) -> None:
    url = str(ctx.output("github_webhook_url"))
    hooks = ctx.shell.check("gh", "api", f"repos/{ctx.repo}/hooks")
    ours = [h for h in json.loads(hooks.out or "[]") if h.get("config", {}).get("url") == url] if hooks.ok else []
    events = ["pull_request", "status"]
    if ours and set(events) <= set(ours[0].get("events", [])):
        done(f"the webhook to {url} sends {', '.join(events)}")
        return
    secret_id = ctx.secret_id("github_webhook_secret")
    secret = ctx.shell.check(
        "gcloud", "secrets", "versions", "access", "latest", f"--secret={secret_id}", f"--project={ctx.project}"
    ).out
    body = {"name": "web", "active": True, "events": events,
            "config": {"url": url, "content_type": "json", "secret": secret, "insecure_ssl": "0"}}  # fmt: skip
    # The secret goes in on stdin as JSON: never on a command line (ps, shell history) nor in this output.
    endpoint, method = (
        (f"repos/{ctx.repo}/hooks/{ours[0]['id']}", "PATCH") if ours else (f"repos/{ctx.repo}/hooks", "POST")
    )
    ctx.shell.change("gh", "api", endpoint, "--method", method, "--input", "-", "--silent",
                     stdin=json.dumps(body), shown_stdin="(JSON with the webhook secret, hidden)")  # fmt: skip


def branch_protection(ctx: Context) -> None:
    found = ctx.shell.check(
        "gh", "api", f"repos/{ctx.repo}/branches/main/protection/required_status_checks", "--jq", ".contexts"
    )
    if found.ok and PLAN_CHECK in json.loads(found.out or "[]"):
        done(f"main requires {PLAN_CHECK}")
        return
    # notebook-bot/plan is one commit status however many sharded roots a pull request touches; the API takes
    # it before any run has reported it (the settings page offers only checks seen in the last 7 days).
    body = {
        "required_status_checks": {"strict": False, "contexts": [PLAN_CHECK]},
        "enforce_admins": False,
        "required_pull_request_reviews": None,
        "restrictions": None,
    }
    try:
        ctx.shell.change("gh", "api", f"repos/{ctx.repo}/branches/main/protection", "--method", "PUT",
                         "--input", "-", "--silent", stdin=json.dumps(body), shown_stdin=json.dumps(body))  # fmt: skip
    except Stop as refused:
        by_hand(f"protect main yourself (Settings → Branches): require {PLAN_CHECK}; GitHub said: {refused}")


def doctor(ctx: Context) -> None:
    env = ctx.bot_env()
    if not ctx.dry_run:
        # The live checks need the bot's secrets; read here, passed in the environment, never printed.
        for key, name in (("slack_bot_token", "SLACK_BOT_TOKEN"), ("slack_signing_secret", "SLACK_SIGNING_SECRET"),
                          ("github_credential", "GITHUB_APP_PRIVATE_KEY"),
                          ("github_webhook_secret", "GITHUB_WEBHOOK_SECRET")):  # fmt: skip
            env[name] = ctx.shell.check(
                "gcloud", "secrets", "versions", "access", "latest",
                f"--secret={ctx.secret_id(key)}", f"--project={ctx.project}",
            ).out  # fmt: skip
    store = ctx.output("store_url")
    if isinstance(store, str) and store.startswith("firestore://"):
        env["NOTEBOOK_BOT_STORE"] = store
    ctx.shell.change(ctx.notebook_bot, "doctor", env=env, interactive=True)
    done("notebook-bot doctor found nothing to fix: type /notebook help in Slack")


SERVICE: list[tuple[str, Callable[[Context], None]]] = [
    ("Container image (Cloud Build)", image),
    ("terraform apply (the Cloud Run service and the reconcile schedule)", service),
    ("Slack request URL and the admin channel", slack_urls),
    ("GitHub webhook (pull_request, status)", webhook),
    ("Branch protection of main", branch_protection),
    ("notebook-bot doctor", doctor),
]
