"""`notebook-bot serve` starts with only what its backends need: on SQLite no Firestore client, and no
google-auth (nor the Dataproc API's types) until a Google call or an OIDC check needs them; nor, before it
listens, what only later work needs (the Terraform parser, the pooled HTTP client). Its first ack does not
wait on Slack. A policy that would fail an approval still stops it, with the line check-config prints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import SlackSender

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "policy.example.yaml"

# Runs `notebook-bot serve` in a thread of this very process, acks one signed slash command, waits for the
# trial render that runs beside the start, then says which modules the process has imported.
SERVE_THEN_LIST_MODULES = """
import gc, json, os, socket, sys, threading, time
gc.disable()  # as bot/entry.py does before anything loads
from bot.cli import main
from bot.demo.slack_events import SlackSender

port = int(os.environ["PORT"])
threading.Thread(target=main, args=(["serve", "--host", "127.0.0.1"],), daemon=True).start()
send = SlackSender(f"http://127.0.0.1:{port}", os.environ["SLACK_SIGNING_SECRET"], os.environ["RESPONSE_URL"])
deadline = time.monotonic() + 60
while True:
    try:
        status = send.command("U0START01", "help").status
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
for thread in threading.enumerate():
    if thread.name == "policy-trial-render":
        thread.join(60)
collector = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
print(json.dumps({"status": status, "modules": sorted(sys.modules), "gc": collector}))
sys.stdout.flush()
os._exit(0)
"""


# Runs `notebook-bot serve` up to the moment its server would start serving, then says which modules the
# process has imported by then: what a cold start pays before its first ack can be answered.
SERVE_UNTIL_LISTENING_THEN_LIST_MODULES = """
import json, os, sys
from bot.cli import main
from bot.web.server import Server

def listening(self):
    print(json.dumps(sorted(sys.modules)))
    sys.stdout.flush()
    os._exit(0)

Server.serve_forever = listening
main(["serve", "--host", "127.0.0.1"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slack() -> Iterator[LoopbackSlack]:
    with LoopbackSlack([SlackUser("U0START01", "ada@example.com", "Ada")]) as server:
        yield server


def serve_env(tmp_path: Path, slack: LoopbackSlack, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PORT": str(free_port()),
        "SLACK_BOT_TOKEN": "xoxb-test-start",
        "SLACK_SIGNING_SECRET": "signing-secret-start",
        "SLACK_API_URL": slack.url,
        "RESPONSE_URL": slack.response_url(),
        "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path}/state.db",
        "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
        "NOTEBOOK_BOT_CLOUD": "gcp",
        "NOTEBOOK_BOT_RECONCILE_AUDIENCE": "https://bot.example.com",
        "NOTEBOOK_BOT_RECONCILE_INVOKER": "scheduler@acme-analytics.iam.gserviceaccount.com",
        **extra,
    }


def python(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter with ``args``, to its end (two minutes at most), its output kept."""
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_serve_on_sqlite_acks_without_firestore_google_auth_or_the_dataproc_types(
    tmp_path: Path, slack: LoopbackSlack
) -> None:
    done = python(tmp_path, serve_env(tmp_path, slack, NOTEBOOK_BOT_CONFIG=str(EXAMPLE)), "-c", SERVE_THEN_LIST_MODULES)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    # The collector is on again once serve listens, with what start loaded frozen out of its way.
    assert answer["gc"]["enabled"] and answer["gc"]["frozen"] > 10_000, answer["gc"]
    modules = set(answer["modules"])
    assert "bot.store.sqlite" in modules and "bot.cloud.gcp" in modules  # the backends it was configured with
    loaded = sorted(
        m
        for m in modules
        if m.startswith(("google.cloud.firestore", "bot.store.firestore", "google.auth", "google.oauth2"))
        or m.startswith("google.cloud.dataproc")
    )
    assert loaded == []


def test_serve_with_a_policy_that_would_fail_an_approval_stops_with_the_line_check_config_prints(
    tmp_path: Path, slack: LoopbackSlack
) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("  subnet: projects", "  # subnet: projects", 1))
    env = serve_env(tmp_path, slack, NOTEBOOK_BOT_CONFIG=str(bad))
    done = python(tmp_path, env, "-m", "bot", "serve", "--host", "127.0.0.1")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert f"{bad}: gcp.subnet: network and subnet go together (template cpu-small would not render)" in done.stderr


def test_serve_listens_before_loading_the_terraform_parser_or_the_pooled_http_client(
    tmp_path: Path, slack: LoopbackSlack
) -> None:
    env = serve_env(tmp_path, slack, NOTEBOOK_BOT_CONFIG=str(EXAMPLE))
    done = python(tmp_path, env, "-c", SERVE_UNTIL_LISTENING_THEN_LIST_MODULES)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "bot.infra.local_git" in modules and "bot.slack.client" in modules  # the parts that use them later
    assert sorted(m for m in modules if m.split(".")[0] in ("hcl2", "lark", "urllib3", "jinja2")) == []


def test_the_first_command_is_acked_while_slack_is_slow_and_the_bot_asks_who_it_is_afterwards(
    tmp_path: Path, slack: LoopbackSlack
) -> None:
    slack.state.delay_seconds = 3.0  # every Web API call takes 3 s, longer than Slack's ack deadline
    env = serve_env(tmp_path, slack, NOTEBOOK_BOT_CONFIG=str(EXAMPLE))
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        send = SlackSender(f"http://127.0.0.1:{env['PORT']}", env["SLACK_SIGNING_SECRET"], slack.response_url())
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = send.command("U0START01", "help")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        answered = [c.method for c in slack.calls()]
        assert answer.status == 200 and "/notebook new" in answer.body.decode()
        assert answered == []  # no auth.test (nor anything else) was waited for
        slack.wait_for("auth.test", timeout=30)  # the bot's own ids, learned after the ack
    finally:
        server.terminate()
        _, logged = server.communicate(timeout=30)
    # Bolt's notes that it "will not use" the token it reads by itself are not said: the bot does use it.
    assert "SLACK_BOT_TOKEN" not in logged and "`token` will be unused" not in logged, logged


def test_the_http_server_module_loads_neither_the_workflow_nor_the_policy(tmp_path: Path) -> None:
    """bench_startup's bare Bolt app runs behind the same server: what its module imports is paid by both."""
    code = "import json, sys; import bot.web.server; print(json.dumps(sorted(sys.modules)))"
    done = python(tmp_path, {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}, "-c", code)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert sorted(m for m in modules if m.split(".")[:2] in (["bot", "workflow"], ["bot", "wiring"])) == []
    assert "pydantic" not in modules and "bot.config.policy" not in modules
