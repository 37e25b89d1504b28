#!/usr/bin/env python3
"""Tell notebook-bot how a plan or an apply went, as one commit status (stdlib only, runs on any runner).

Each matrix job records its root's outcome and Terraform's first error line; one final job posts one
status for all roots, so a later root's success never hides an earlier root's failure:

    commit_status.py record --root environments/shard-03 --outcome failure --log apply.log --out results/
    commit_status.py post --context notebook-bot/apply --sha SHA --results results/ \\
        --roots '["environments/shard-03"]' --upstream roots=success --target-url RUN_URL

`post` sends POST /repos/{GITHUB_REPOSITORY}/statuses/{sha} to GITHUB_API_URL with GITHUB_TOKEN:
`success`, or `failure` with the first error line as the description (at most 140 characters, GitHub's
limit) and the run as target_url (the contract in notebook-bot's DESIGN §4).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DESCRIPTION_LIMIT = 140  # GitHub answers 422 beyond this
# Terraform prints diagnostics as "Error: summary" inside a box drawn with │ (also with -no-color).
ERROR_LINE = re.compile(r"^[\s│|]*Error:\s*(?P<summary>\S.*?)\s*$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
RETRIES = 4
LONGEST_WAIT = 30.0  # seconds; a status that cannot be posted in about two minutes fails the job


def first_error_line(log: str) -> str | None:
    """Terraform's first error as one line ("Error: ..."), or None when the log has none."""
    for raw in log.splitlines():
        match = ERROR_LINE.match(ANSI.sub("", raw))
        if match:
            return f"Error: {match['summary']}"
    return None


def fit(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def result_file(out: Path, root: str) -> Path:
    return out / (root.replace("/", "__") + ".json")


def record(root: str, outcome: str, log_path: Path, out: Path) -> dict[str, str | None]:
    """Write one root's result (outcome and first error line) for the final job."""
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    error = None
    if outcome != "success":
        error = first_error_line(log) or f"terraform did not finish ({outcome}); see the run"
    result = {"root": root, "outcome": outcome, "error": error}
    out.mkdir(parents=True, exist_ok=True)
    result_file(out, root).write_text(json.dumps(result), encoding="utf-8")
    return result


def summarize(
    kind: str, roots: list[str], results: dict[str, dict[str, str | None]], upstream: dict[str, str]
) -> tuple[str, str]:
    """(state, description) for the whole run: failure if a job before it, or any root, failed or has no result."""
    for job, result in upstream.items():
        if result != "success":
            return "failure", fit(f"{job} did not pass ({result}); see the run")
    for root in roots:
        result = results.get(root)
        if result is None:
            return "failure", fit(f"{root}: no result (job cancelled or skipped); see the run")
        if result["outcome"] != "success":
            return "failure", fit(f"{root}: {result['error']}" if len(roots) > 1 else str(result["error"]))
    if not roots:
        return "success", f"no Terraform root changed: nothing to {kind}"
    done = "planned" if kind == "plan" else "applied"
    return "success", fit(f"{len(roots)} root{'s' if len(roots) != 1 else ''} {done}: " + ", ".join(roots))


def load_results(directory: Path) -> dict[str, dict[str, str | None]]:
    results: dict[str, dict[str, str | None]] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        results[str(data["root"])] = data
    return results


def post_status(
    api_url: str, repository: str, token: str, sha: str, payload: dict[str, str], sleep=time.sleep
) -> dict[str, object]:
    """POST the status; retries 5xx, 429 and secondary rate limits (Retry-After, bounded), not other 4xx."""
    request_url = f"{api_url.rstrip('/')}/repos/{repository}/statuses/{sha}"
    body = json.dumps(payload).encode()
    for attempt in range(RETRIES + 1):
        request = urllib.request.Request(
            request_url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
                "User-Agent": "notebook-infra-ci",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")  # type: ignore[no-any-return]
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            retriable = error.code >= 500 or error.code == 429 or (error.code == 403 and "rate limit" in text)
            if not retriable or attempt == RETRIES:
                raise SystemExit(f"GitHub refused the commit status: HTTP {error.code} {text}") from None
            wait = float(error.headers.get("Retry-After") or 2**attempt)
        except urllib.error.URLError as error:
            if attempt == RETRIES:
                raise SystemExit(f"GitHub could not be reached: {error.reason}") from None
            wait = float(2**attempt)
        sleep(min(wait, LONGEST_WAIT))
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="record one root's outcome")
    rec.add_argument("--root", required=True)
    rec.add_argument("--outcome", required=True, help="the step's outcome: success, failure, cancelled, skipped")
    rec.add_argument("--log", type=Path, required=True, help="terraform's output")
    rec.add_argument("--out", type=Path, required=True, help="directory of results")
    post = commands.add_parser("post", help="post one status for every root")
    post.add_argument("--context", required=True, choices=["notebook-bot/plan", "notebook-bot/apply"])
    post.add_argument("--sha", required=True)
    post.add_argument("--results", type=Path, required=True)
    post.add_argument("--roots", default="[]", help="JSON list of the roots the run was to cover")
    post.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="JOB=RESULT",
        help="result of a job the status depends on (the job that chose the roots, terraform fmt)",
    )
    post.add_argument("--target-url", required=True)
    args = parser.parse_args(argv)

    if args.command == "record":
        result = record(args.root, args.outcome, args.log, args.out)
        print(f"{result['root']}: {result['outcome']}" + (f" — {result['error']}" if result["error"] else ""))
        return 0

    roots = json.loads(args.roots or "[]")
    kind = args.context.rsplit("/", 1)[1]
    upstream = dict(item.split("=", 1) for item in args.upstream)
    state, description = summarize(kind, roots, load_results(args.results), upstream)
    payload = {"state": state, "description": description, "context": args.context, "target_url": args.target_url}
    env = os.environ
    post_status(
        env.get("GITHUB_API_URL", "https://api.github.com"),
        env["GITHUB_REPOSITORY"],
        env["GITHUB_TOKEN"],
        args.sha,
        payload,
    )
    print(f"{args.context} = {state}: {description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
