"""Stands in for gcloud, gh, terraform and notebook-bot in the bootstrap tests (no network).

Installed under each tool's name in a directory put first on PATH. Every call is appended to $STUB_LOG as
JSON ({"argv": [...], "stdin": bool}); the answer comes from the scenario $STUB_SCENARIO: "fresh" (nothing
exists yet) or "done" (everything a finished bootstrap leaves, as the real tools would print it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

OUTPUTS = {
    "image_repository": "europe-west1-docker.pkg.dev/acme-bot/notebook-bot",
    "slack_request_url": "https://notebook-bot-123.europe-west1.run.app/slack/events",
    "github_webhook_url": "https://notebook-bot-123.europe-west1.run.app/github/webhook",
    "store_url": "firestore://acme-bot/notebook-bot",
    "secret_ids": {
        "slack_bot_token": "notebook-bot-slack-bot-token",
        "slack_signing_secret": "notebook-bot-slack-signing-secret",
        "github_credential": "notebook-bot-github-credential",
        "github_webhook_secret": "notebook-bot-github-webhook-secret",
        "policy": "notebook-bot-policy",
    },
    "infra_ci_variables": {
        "GCP_WORKLOAD_IDENTITY_PROVIDER": (
            "projects/123/locations/global/workloadIdentityPools/notebook-bot-ci/providers/github"
        ),
        "GCP_PLAN_SERVICE_ACCOUNT": "notebook-bot-ci-plan@acme-bot.iam.gserviceaccount.com",
        "GCP_APPLY_SERVICE_ACCOUNT": "notebook-bot-ci-apply@acme-bot.iam.gserviceaccount.com",
        "TF_STATE_BUCKET": "acme-bot-notebook-bot-tfstate",
    },
}
WEBHOOK_SECRET = "c0ffee" * 10  # a test value the output must never show
NOT_FOUND = (1, "", "gh: Not Found (HTTP 404)\n")


def answer(argv: list[str], done: bool) -> tuple[int, str, str]:
    tool, args = Path(argv[0]).name, argv[1:]
    line = " ".join(args)
    if tool == "terraform":
        if args == ["version", "-json"]:
            return 0, json.dumps({"terraform_version": "1.11.4", "platform": "linux_amd64"}), ""
        if args[1:] == ["output", "-json"]:
            return 0, json.dumps({k: {"sensitive": False, "value": v} for k, v in OUTPUTS.items()} if done else {}), ""
        return 0, "", ""
    if tool == "notebook-bot":
        return 0, "✓ policy: 4 templates render\n", ""
    if tool == "gh":
        if line.startswith("auth status"):
            return 0, "github.com\n  ✓ Logged in to github.com account admin\n", ""
        if line.startswith("api repos/acme/notebook-infra --jq"):
            return (0, "812345678\t1234567\n", "") if done else NOT_FOUND
        if line.startswith("api repos/acme/notebook-infra/contents/"):
            return (0, "3f0e6a\n", "") if done else NOT_FOUND
        if line == "api repos/acme/notebook-infra/hooks":
            # Done, but an older bootstrap subscribed only pull_request: the status event must be added.
            hook = {"id": 7, "events": ["pull_request"], "config": {"url": OUTPUTS["github_webhook_url"]}}
            return 0, json.dumps([hook] if done else []), ""
        if "protection/required_status_checks" in line:
            return (0, '["notebook-bot/plan"]\n', "") if done else (1, "", "gh: Branch not protected (HTTP 404)\n")
        if line.startswith("variable list"):
            variables = [{"name": k, "value": v} for k, v in OUTPUTS["infra_ci_variables"].items()]  # type: ignore[union-attr]
            return 0, json.dumps(variables if done else []), ""
        if line.startswith("run list"):
            return 0, json.dumps([{"status": "completed"}] if done else []), ""
        return 0, "", ""
    if tool == "gcloud":
        if line == "auth list --filter=status:ACTIVE --format=value(account)":
            return 0, "admin@example.com\n", ""
        if line == "config get-value project":
            return 0, ("acme-bot\n" if done else "(unset)\n"), ""
        if line.startswith("auth application-default print-access-token"):
            return 0, "ya29.not-a-real-token\n", ""
        if line.startswith("services list"):
            enabled = "cloudresourcemanager.googleapis.com\nserviceusage.googleapis.com\niam.googleapis.com\n"
            return 0, enabled if done else "", ""
        if line.startswith("secrets versions list"):
            return 0, ("projects/1/secrets/x/versions/1\n" if done else ""), ""
        if line.startswith("secrets versions access"):
            if "--secret=notebook-bot-policy" in line:
                return 0, Path(os.environ["STUB_POLICY"]).read_text(encoding="utf-8"), ""
            return 0, WEBHOOK_SECRET, ""
        if line.startswith(("storage objects describe", "artifacts docker images describe")):
            return (0, "ok\n", "") if done else (1, "", "ERROR: NOT_FOUND: 404\n")
        return 0, "", ""
    return 0, "", ""


def main(argv: list[str]) -> int:
    """Answer one call; argv[0] is the tool's name as called."""
    stdin = False if sys.stdin is None or sys.stdin.isatty() else bool(sys.stdin.read())
    with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": [Path(argv[0]).name, *argv[1:]], "stdin": stdin}) + "\n")
    code, out, err = answer(argv, os.environ.get("STUB_SCENARIO") == "done")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
