"""The error id a person quotes from Slack is a field of the JSON log line, so an admin finds it by that id."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import logs
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from tests.support.harness import ALICE, running_bot
from tests.support.lifecycle_support import reply_texts, wait_until


class StoreOnFire(SqliteStore):
    """A store whose queries fail with a bug nobody expected (the kind that gets an error id)."""

    def find(
        self,
        *,
        owner_user_id: str | None = None,
        states: Iterable[State] | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[EnvironmentRequest]:
        if owner_user_id == ALICE.id:
            raise RuntimeError("an index nobody expected to be missing")
        return super().find(owner_user_id=owner_user_id, states=states, due_before=due_before, limit=limit)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_the_error_id_alice_is_shown_is_the_error_id_field_of_the_logged_error(
    tmp_path: Path, captured: io.StringIO
) -> None:
    store = StoreOnFire(str(tmp_path / "state.db"))
    with running_bot(tmp_path, store) as bot:
        logs.configure(fmt="json", level="INFO", stream=captured)
        bot.send.command(ALICE.id, "status")
        (said,) = wait_until(lambda: [t for t in reply_texts(bot) if "error id" in t])
    store.close()

    quoted = re.search(r"error id `([0-9a-f]+)`", said)
    assert quoted is not None, said
    entries = [json.loads(line) for line in captured.getvalue().splitlines()]
    (logged,) = [e for e in entries if e.get("error_id") == quoted[1]]
    assert logged["severity"] == "ERROR"
    assert "an index nobody expected to be missing" in logged["message"]  # with its traceback
    assert logged["logging.googleapis.com/labels"]["error_id"] == quoted[1]
