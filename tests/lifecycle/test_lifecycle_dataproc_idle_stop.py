"""An idle Dataproc cluster stops (it is not deleted): the bot keeps it, and its owner starts it from Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hcl2
import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.gcp import GcpCloud
from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from bot.workflow.power import Waiting
from tests.support.google_server import GoogleServer
from tests.support.harness import ALICE, Harness, running_bot
from tests.support.lifecycle_support import say

REGION = ("acme-analytics", "europe-west1")


@pytest.fixture
def on_google(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[tuple[Harness, GoogleServer]]:
    slept: list[float] = []
    with GoogleServer(operation_polls=2) as google:

        def cloud(repo):  # type: ignore[no-untyped-def]
            return GcpCloud(
                credentials=AnonymousCredentials(),
                notebooks_api_url=google.url,
                dataproc_api_url=google.url,
                sleep=slept.append,
                request_timeout=2.0,
            )

        with running_bot(tmp_path, sqlite_store, cloud=cloud) as bot:
            bot.app.lifecycle.power.waiting = Waiting(interval_seconds=5, max_polls=10, sleep=slept.append)
            yield bot, google


def test_an_idle_stopped_cluster_stays_and_its_owner_starts_it_from_slack(
    on_google: tuple[Harness, GoogleServer],
) -> None:
    bot, google = on_google
    bot.ask(ALICE, "spark-cluster", "sparky")
    request = bot.only_request()
    bot.approve(request.id)
    bot.merge(request)
    google.add_cluster(*REGION, request.env_name, "RUNNING")  # what CI's apply made
    bot.reconcile()
    request = bot.store.get(request.id)
    assert request is not None and request.state == State.READY

    # The file the approval wrote tells Google to stop the idle cluster, never to delete it.
    (module,) = hcl2.loads(bot.repo.read_on_base(request.files[0]))["module"]  # type: ignore[attr-defined]
    (body,) = module.values()
    assert body["idle_stop_ttl_seconds"] == request.idle_minutes * 60 and "idle_delete_ttl_seconds" not in body
    ready = " ".join(str(m.get("blocks")) for m in bot.messages_to(ALICE.id))
    assert "Stops after 120 idle minutes" in ready and "/notebook start" in ready
    assert "Cloud Storage objects in buckets of acme-analytics" in ready and "--access-boundary" in ready

    google.set_cluster_state(*REGION, request.env_name, "STOPPED")  # idle for 120 minutes
    bot.clock.advance(minutes=30)
    bot.reconcile()  # drift checks it: a stopped cluster is not a vanished one
    after = bot.store.get(request.id)
    assert after is not None and after.state == State.READY
    assert not google.calls_to(request.env_name, "DELETE")
    (status,) = say(bot, ALICE.id, "status")
    assert "STOPPED" in status

    bot.clock.advance(minutes=1)
    first, done = say(bot, ALICE.id, "start sparky", replies=2)
    assert "Starting" in first and "sparky* is running" in done and "Open JupyterLab" in done
    assert google.calls_to(f"clusters/{request.env_name}:start", "POST")
    assert google.clusters[(*REGION, request.env_name)]["status"]["state"] == "RUNNING"
