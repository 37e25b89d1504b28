"""``notebook-bot demo``: the whole flow offline, printed as each person would see it in Slack.

The real app is served over HTTP (waitress) and driven by signed requests as Slack sends them; Slack's Web
API is a loopback server that records what the bot says; state is SQLite; the infra repository is a real
git repository, merged with ``git merge`` as a reviewer would (``repo.merge: manual``), then, in a second
act, by the bot itself once its check of the files passed (``repo.merge: when_checks_pass``); the cloud is
simulated.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.config.load import load_policy
from bot.config.settings import Settings
from bot.demo.idle_stop import show_idle_stop
from bot.demo.merging import merge_when_checks_pass
from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import SlackSender, number_value, option_value, text_value
from bot.demo.transcript import describe
from bot.domain.states import State
from bot.infra.local_git import LocalGitRepo
from bot.slack.ids import Action, View
from bot.web.server import Server
from bot.wiring import build_app, slack_client

ALICE = SlackUser("U0ALICE", "alice@example.com", "Alice Analyst")
ADMIN = SlackUser("U0ADMIN1", "olga@example.com", "Olga Admin")
NAMES = {"U0ALICE": "Alice", "D0ALICE": "Alice", "U0ADMIN1": "Olga (admin)", "C0ADMINS": "#notebook-admins"}


class Transcript:
    def __init__(self, slack: LoopbackSlack) -> None:
        self.slack = slack
        self.seen = 0

    def step(self, title: str) -> None:
        print(f"\n━━ {title}")

    def flush(self) -> None:
        calls = self.slack.calls()
        for call in calls[self.seen :]:
            for line in describe(call, NAMES):
                print("   " + line)
        self.seen = len(calls)


def run_demo(out_dir: str | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="notebook-bot-demo-") as tmp:
        root = Path(out_dir or tmp)
        root.mkdir(parents=True, exist_ok=True)
        with LoopbackSlack([ALICE, ADMIN]) as slack:
            return _run(root, slack)


def _run(root: Path, slack: LoopbackSlack) -> int:
    signing = secrets.token_hex(16)
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-demo-" + secrets.token_hex(8),
            "SLACK_SIGNING_SECRET": signing,
            "SLACK_API_URL": slack.url,
            "NOTEBOOK_BOT_STORE": f"sqlite:///{root}/state.db",
            "NOTEBOOK_BOT_REPO": f"local:{root}/infra",
            "NOTEBOOK_BOT_CLOUD": "simulated",
        }
    )
    policy = load_policy(None)
    from bot.backends import open_cloud, open_store_from

    store = open_store_from(settings)
    repo = LocalGitRepo(root / "infra", base_branch=policy.repo.base_branch)
    app = build_app(settings, store, repo, open_cloud(settings, repo, policy), slack_client(settings), policy=policy)
    server = Server(app.wsgi, host="127.0.0.1", port=0, threads=8).start()
    say = Transcript(slack)
    send = SlackSender(server.url, signing, slack.response_url())
    try:
        print(f"notebook-bot demo — app on {server.url}, Slack Web API on {slack.url}")
        print(f"state: {root}/state.db · infra repository: {root}/infra · cloud: simulated")

        say.step("Alice types /notebook new")
        send.command(ALICE.id, "new")
        slack.wait_for("views.open")
        say.flush()

        say.step("Alice fills the form and submits it")
        ack = send.submit_view(
            ALICE.id,
            View.NEW_REQUEST.value,
            {
                "template": option_value("cpu-small"),
                "display_name": text_value("churn-model"),
                "idle_minutes": number_value(120),
                "lifetime_days": number_value(14),
                "reason": text_value("Churn model for Q4 planning"),
            },
        )
        app.wait_idle()
        say.flush()
        request = store.find(owner_user_id=ALICE.id)[0]
        print(f"   (Slack got HTTP {ack.status}; request {request.id} is {request.state.value})")

        say.step("Olga (admin) clicks Approve on the card")
        send.click(ADMIN.id, Action.APPROVE.value, request.id)
        app.wait_idle()
        say.flush()

        request = store.get(request.id) or request
        assert request.pull_request is not None, f"no pull request: {request.last_error}"
        say.step(f"The pull request: branch {request.pull_request.branch}")
        print(
            _git(
                repo.path,
                "log",
                "-1",
                "--stat",
                "--format=commit %H%n%n    %s%n",
                request.pull_request.branch,
            )
        )
        for path in request.files:
            print(f"   ── {path}")
            print(_git(repo.path, "show", f"{request.pull_request.branch}:{path}"))

        say.step("A reviewer merges it (git merge), CI applies it; reconcile notices")
        repo.merge(request.pull_request.branch)
        report = app.reconciler.run_once()
        app.wait_idle()
        print(f"   {report.summary()}")
        say.flush()

        say.step("Alice types /notebook status")
        send.command(ALICE.id, "status")
        app.wait_idle()
        slack.wait_for("response/1", count=1)
        say.flush()

        say.step("Alice opens the bot's Home tab")
        send.post(_home_opened(ALICE.id), content_type="application/json")
        slack.wait_for("views.publish")
        app.wait_idle()
        say.flush()

        say.step("Alice types /notebook stop churn-model (it costs only its disks while stopped)")
        send.command(ALICE.id, "stop churn-model")
        app.wait_idle()
        say.flush()

        idle_told = show_idle_stop(app, slack, send, say, request, ALICE)

        final = store.get(request.id)
        say.step("Audit trail")
        for a in store.audit_trail(request.id):
            print(f"   {a.at:%H:%M:%S} {a.actor:<12} {a.action:<28} {a.detail}")

        merged = merge_when_checks_pass(settings, policy, store, repo, slack, say, open_cloud, ALICE, ADMIN)
        delivered = [
            c
            for c in slack.calls("chat.postMessage")
            if c.args.get("channel") == ALICE.id and "Open JupyterLab" in str(c.args.get("blocks"))
        ]
        if final is None or final.state != State.READY or merged is None or len(delivered) != 2 or not idle_told:
            print(f"\nThe URL was NOT delivered (state: {final.state.value if final else 'missing'}).")
            return 1
        print(f"\n✅ JupyterLab URL delivered to Alice: {final.url}")
        print(f"✅ With merge: when_checks_pass, from Approve to URL with no merge by hand: {merged.url}")
        print("✅ Google's idle shutdown told to Alice by DM, with Start and Delete")
        return 0
    finally:
        server.stop()
        shutdown = getattr(app.background, "shutdown", None)
        if shutdown is not None:
            shutdown()
        store.close()


def _home_opened(user_id: str) -> bytes:
    import json

    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0DEMO",
            "api_app_id": "A0NOTEBOOK",
            "event": {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D0ALICE"},
            "event_id": "Ev0DEMO",
            "event_time": 1,
        }
    ).encode()


def _git(path: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=False)
    return "\n".join("   " + line for line in (done.stdout or done.stderr).rstrip().splitlines())


if __name__ == "__main__":
    sys.exit(run_demo())
