"""Start and stop against a Google-shaped server: the real GcpCloud, Notebooks API v2 over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.gcp import GcpCloud
from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from bot.workflow.power import Waiting
from tests.support.google_server import GoogleServer
from tests.support.harness import ALICE, Harness, running_bot
from tests.support.lifecycle_support import say


@pytest.fixture
def on_google(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[tuple[Harness, GoogleServer, list[float]]]:
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
            yield bot, google, slept


def test_stop_and_start_go_through_the_notebooks_api_and_report_when_done(
    on_google: tuple[Harness, GoogleServer, list[float]],
) -> None:
    bot, google, slept = on_google
    bot.ask()
    request = bot.only_request()
    bot.approve(request.id)
    bot.merge(request)
    google.add_instance("acme-analytics", "europe-west1-b", request.env_name, "ACTIVE")  # what CI's apply made
    bot.reconcile()
    assert bot.store.get(request.id).state == State.READY

    first, done = say(bot, ALICE.id, "stop churn-model", replies=2)
    assert "Stopping" in first and "churn-model* is stopped" in done
    assert google.instances[("acme-analytics", "europe-west1-b", request.env_name)]["state"] == "STOPPED"
    assert google.calls_to(f"{request.env_name}:stop", "POST")
    assert slept  # it waited on the injected timer, never really

    bot.clock.advance(minutes=1)
    first, done = say(bot, ALICE.id, "start churn-model", replies=2)
    assert "Starting" in first and "churn-model* is running" in done and "Open JupyterLab" in done
    (reply,) = say(bot, ALICE.id, "status")
    assert "Google says *ACTIVE*" in reply
