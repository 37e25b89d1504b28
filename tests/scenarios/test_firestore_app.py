"""The bot on Firestore (the real emulator): several instances share one store, and an outage loses nothing."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.demo.slack_api import LoopbackSlack
from bot.demo.slack_events import SlackSender, option_value, text_value
from bot.domain.states import State
from bot.infra.local_git import LocalGitRepo
from bot.store.base import Store
from tests.support.firestore import FirestoreEmulator, unique_project
from tests.support.harness import ADMIN, ADMIN2, ALICE, EVERYONE, running_bot

pytestmark = [pytest.mark.firestore, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """`notebook-bot serve` in its own process; yields its URL once it accepts connections."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
            cwd=ROOT,
            env={**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(15)


def _wait(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _answers(store: Store) -> bool:
    try:
        store.ping()
        return True
    except Exception:
        return False


def test_two_instances_and_fifty_approve_clicks_make_one_transition_one_pr_one_message(
    tmp_path: Path, firestore_emulator_process: FirestoreEmulator
) -> None:
    project = unique_project()
    store = firestore_emulator_process.store(project)
    signing = secrets.token_hex(16)
    with LoopbackSlack(EVERYONE) as slack:
        env = {
            "SLACK_SIGNING_SECRET": signing,
            "SLACK_BOT_TOKEN": "xoxb-" + secrets.token_hex(8),
            "SLACK_API_URL": slack.url,
            "NOTEBOOK_BOT_STORE": f"firestore://{project}",
            "FIRESTORE_EMULATOR_HOST": firestore_emulator_process.host,
            "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
            "NOTEBOOK_BOT_CLOUD": "simulated",
            "NOTEBOOK_BOT_THREADS": "32",
            "NOTEBOOK_BOT_LOG_FORMAT": "text",
        }
        LocalGitRepo(tmp_path / "infra")  # created once, before two processes race to create it
        with serve(env, tmp_path / "a.log") as a, serve(env, tmp_path / "b.log") as b:
            senders = [SlackSender(url, signing, slack.response_url()) for url in (a, b)]
            senders[0].submit_view(
                ALICE.id,
                "notebook_new_request",
                {"template": option_value("cpu-small"), "display_name": text_value("shared")},
            )
            (request,) = store.find(owner_user_id=ALICE.id)
            _wait(lambda: len(slack.calls("chat.postMessage")) == 2)  # the DM and the admin card

            def click(i: int) -> int:
                admin = (ADMIN, ADMIN2)[i % 2]
                return senders[i % 2].click(admin.id, "approve", request.id).status

            with ThreadPoolExecutor(max_workers=25) as pool:
                statuses = list(pool.map(click, range(50)))
            assert statuses == [200] * 50
            _wait(lambda: (store.get(request.id) or request).state == State.PR_OPEN)
            _wait(lambda: len([r for r in slack.calls() if r.method.startswith("response/")]) == 49)
            # The last thing the approval does is update the two messages to "pull request open" (Alice's
            # progress and the admins' card): once both say so, anything done twice has been done (counted below).
            said_open = {"shared: pull request open", f"Notebook request {request.id}: pull request open"}
            _wait(lambda: {c.args.get("text") for c in slack.calls("chat.update")} >= said_open)

        trail = store.audit_trail(request.id)
        assert len([t for t in trail if t.to_state == State.APPROVED.value]) == 1
        assert len([t for t in trail if t.to_state == State.PR_OPEN.value]) == 1
        pulls = list((tmp_path / "infra" / ".git" / "notebook-bot" / "pulls").glob("*.json"))
        assert len(pulls) == 1
        assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == ALICE.id]) == 1
    store.close()


@pytest.mark.timeout(300)
def test_a_store_outage_says_try_again_changes_nothing_and_the_flow_completes_after(
    tmp_path: Path, restartable_firestore_emulator: FirestoreEmulator
) -> None:
    emulator = restartable_firestore_emulator
    project = unique_project()
    store: Store = emulator.store(project, rpc_deadline=2.0)
    _wait(lambda: _answers(store), timeout=60)  # a fresh emulator's JVM is slow to answer at first
    with running_bot(tmp_path, store) as bot:
        assert bot.ask(ALICE).body == b""  # stored: the modal closed without errors
        request = bot.only_request(ALICE)
        saved = emulator.export(project, tmp_path / "export")
        emulator.stop()

        bot.approve(request.id, ADMIN)  # an outage must not hang a click: the test's timeout fails loudly if it does
        assert "cannot reach its database" in bot.replies()[-1]["text"]
        answer = bot.ask(ALICE, "cpu-small", "during-outage").json()
        assert "try again" in answer["errors"]["template"].lower()
        assert len(bot.messages_to("C0ADMINS")) == 1  # no card for the refused submission

        emulator.start(import_data=saved)
        _wait(lambda: _answers(store), timeout=120)  # gRPC reconnects with its own backoff
        assert [r.id for r in store.find()] == [request.id]  # nothing half-written
        assert store.get(request.id).state == State.PENDING_APPROVAL  # type: ignore[union-attr]
        bot.approve(request.id, ADMIN)
        bot.merge(request)
        bot.reconcile()
        final = store.get(request.id)
        assert final is not None and final.state == State.READY and final.url
