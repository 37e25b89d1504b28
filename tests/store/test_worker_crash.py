"""`notebook-bot serve` runs the work after the ack in a worker process of its own, fed through the store.
Killing that worker in the middle of opening a pull request loses nothing and does nothing twice: serve
starts a new worker, which takes the job back at once (not after the next reconcile) and opens the pull
request once — on SQLite and on Firestore."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import SlackSender, option_value, text_value
from bot.domain.states import State
from tests.store.conftest import Backend

ROOT = Path(__file__).resolve().parents[2]
SLOW_REPO = ROOT / "tests" / "support" / "slow_repo"
ALICE = SlackUser("U0ALICE", "alice@example.com", "Alice Analyst")
ADMIN = SlackUser("U0ADMIN1", "olga@example.com", "Olga Admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], object], timeout: float = 60.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> list[int]:
    found = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            if int((task / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(task.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def worker_of(pid: int) -> list[int]:
    """The ``notebook-bot worker`` processes started by ``pid`` (not the git commands it may be running)."""
    found = []
    for child in children(pid):
        try:
            if b"worker" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
                found.append(child)
        except OSError:
            continue
    return found


def submit_when_listening(send: SlackSender, display_name: str) -> Callable[[], bool]:
    """For ``wait_for``: Alice submits the request form once serve listens (False until then)."""

    def submitted() -> bool:
        try:
            answer = send.submit_view(
                ALICE.id,
                "notebook_new_request",
                {"template": option_value("cpu-small"), "display_name": text_value(display_name)},
            )
        except OSError:
            return False
        assert (answer.status, answer.body) == (200, b""), answer
        return True

    return submitted


@pytest.fixture
def slack() -> Iterator[LoopbackSlack]:
    with LoopbackSlack([ALICE, ADMIN]) as server:
        yield server


def test_a_worker_killed_while_opening_a_pull_request_is_replaced_and_the_pull_request_opened_once(
    backend: Backend, child_env: dict[str, str], slack: LoopbackSlack, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    control.mkdir()
    (control / "hold").write_text("")  # the worker stops inside open_pull_request until this is gone
    port = free_port()
    env = {
        **child_env,
        "PYTHONPATH": os.pathsep.join([str(SLOW_REPO), child_env["PYTHONPATH"]]),
        "SLOW_REPO_CONTROL": str(control),
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-crash",
        "SLACK_SIGNING_SECRET": "signing-secret-crash",
        "SLACK_API_URL": slack.url,
        "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
        "NOTEBOOK_BOT_CLOUD": "simulated",
    }
    env.pop("NOTEBOOK_BOT_WORKER", None)
    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    store = backend.open()
    try:
        send = SlackSender(f"http://127.0.0.1:{port}", "signing-secret-crash", slack.response_url())

        submitted = submit_when_listening(send, "crash-test")

        wait_for("serve to take a request", submitted)
        found: Any = wait_for("the request in the store", lambda: store.find(owner_user_id=ALICE.id))
        [request] = found
        assert send.click(ADMIN.id, "approve", request.id).status == 200

        started: Any = wait_for("the worker to begin opening the pull request", lambda: list(control.glob("started-*")))
        [marker] = started
        worker_pid = int(marker.name.removeprefix("started-"))
        assert worker_of(serve.pid) == [worker_pid]  # the work is not done in the server's process
        os.kill(worker_pid, signal.SIGKILL)
        (control / "hold").unlink()

        def opened() -> object:
            now = store.get(request.id)
            return now is not None and now.state not in (State.APPROVED, State.PENDING_APPROVAL) and now

        done: Any = wait_for("the pull request opened by the next worker", opened, timeout=90)
        assert done.state == State.PR_OPEN, done
        lines = (control / "opened.log").read_text().splitlines()
        assert len(lines) == 1 and not lines[0].startswith(f"{worker_pid} "), lines  # once, by the new worker
        pr_steps = [a for a in store.audit_trail(request.id) if a.to_state == State.PR_OPEN.value]
        assert len(pr_steps) == 1
        assert serve.poll() is None  # the server went on serving throughout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            health = json.loads(answer.read())
        assert health["status"] == "degraded" and "the worker process stopped 1 time(s)" in health["worker"], health
        assert b"the worker stopped" in (tmp_path / "serve.log").read_bytes()
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()
        for pid in children(serve.pid):
            os.kill(pid, signal.SIGKILL)


def test_serve_stopped_by_sigterm_stops_its_worker_and_exits(
    child_env: dict[str, str], slack: LoopbackSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **child_env,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-stop",
        "SLACK_SIGNING_SECRET": "signing-secret-stop",
        "SLACK_API_URL": slack.url,
        "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
        "NOTEBOOK_BOT_CLOUD": "simulated",
    }
    serve = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT)
    try:
        workers: Any = wait_for("serve's worker process", lambda: worker_of(serve.pid))
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(30) == 0  # Cloud Run's stop: an exit, not a kill 10 s later
        wait_for("the worker to be gone", lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 30)
    finally:
        if serve.poll() is None:
            serve.kill()


def test_a_click_is_acknowledged_by_the_server_and_decided_by_the_worker_from_the_store(
    backend: Backend, child_env: dict[str, str], slack: LoopbackSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **child_env,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-lazy",
        "SLACK_SIGNING_SECRET": "signing-secret-lazy",
        "SLACK_API_URL": slack.url,
        "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
        "NOTEBOOK_BOT_CLOUD": "simulated",
    }
    serve = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT)
    store = backend.open()
    worker: list[int] = []
    try:
        send = SlackSender(f"http://127.0.0.1:{port}", "signing-secret-lazy", slack.response_url())

        submitted = submit_when_listening(send, "lazy-test")

        wait_for("serve to take a request", submitted)
        found: Any = wait_for("the request in the store", lambda: store.find(owner_user_id=ALICE.id))
        [request] = found
        worker = list(wait_for("serve's worker", lambda: worker_of(serve.pid)))  # type: ignore[call-overload]
        wait_for("the submission's messages", lambda: store.waiting_jobs() == 0)
        for pid in worker:
            os.kill(pid, signal.SIGSTOP)  # the worker is stuck: the server still answers Slack at once
        assert send.click(ADMIN.id, "approve", request.id).status == 200
        assert store.waiting_jobs() == 1  # the click's work, in the store before the ack went out
        pending = store.get(request.id)
        assert pending is not None and pending.state == State.PENDING_APPROVAL
        for pid in worker:
            os.kill(pid, signal.SIGCONT)
        decided: Any = wait_for(
            "the worker to decide",
            lambda: (r := store.get(request.id)) is not None and r.state != State.PENDING_APPROVAL,
        )
        assert decided
        assert store.get(request.id).state in (State.APPROVED, State.PR_OPEN)  # type: ignore[union-attr]
    finally:
        for pid in worker:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGCONT)
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()
