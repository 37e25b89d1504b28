"""Names that mean one thing each, and ``options`` that hold only what the user chose.

The bot's own marks (when a removal was merged, which admin asked on the owner's behalf, the last power state
seen) used to be kept in ``request.options``; each has a field of its own now, and records written before are
read as if they had it (every store reads records through ``EnvironmentRequest.from_record``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.domain import states
from bot.domain.request import AuditRecord, EndReason, EnvironmentRequest, iso
from bot.domain.states import IN_USE, State
from bot.store.sqlite import SqliteStore
from tests.store.examples import T0, a_request

MERGED = T0 + timedelta(minutes=7)
POWER = {"state": "STOPPED", "since": "2026-11-25T09:00:00.000000Z", "by": "idle"}


def old_record(request: EnvironmentRequest) -> dict[str, object]:
    """The record as the bot wrote it before the merge instant left ``options``."""
    record = request.to_record()
    for mark in ("removal_merged_at", "requested_by", "power"):
        del record[mark]
    record["options"] = {
        "zone": "europe-west1-b",
        "removal_merged_at": iso(MERGED),
        "requested_by": "U0ADMIN1",
        "power": POWER,
    }
    return record


def test_an_old_record_keeps_the_bots_marks_and_the_options_keep_only_the_users_choices() -> None:
    read = EnvironmentRequest.from_record(old_record(a_request(state=State.DELETING)))
    assert (read.removal_merged_at, read.requested_by, read.power) == (MERGED, "U0ADMIN1", POWER)
    assert read.options == {"zone": "europe-west1-b"}


def test_a_new_record_round_trips_the_bots_marks_outside_the_options() -> None:
    request = a_request(
        state=State.DELETING, removal_merged_at=MERGED, requested_by="U0ADMIN1", power=POWER, options={"zone": "z"}
    )
    record = request.to_record()
    assert record["removal_merged_at"] == iso(MERGED) and record["options"] == {"zone": "z"}
    assert (record["requested_by"], record["power"]) == ("U0ADMIN1", POWER)
    assert EnvironmentRequest.from_record(record) == request


def test_the_sqlite_store_reads_a_record_written_before_the_field_existed(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "state.db"))
    request = a_request(state=State.DELETING)
    store.add(request, AuditRecord(request.id, T0, "test", "submitted"))
    store.close()
    with sqlite3.connect(tmp_path / "state.db") as db:  # as an older bot left it
        db.execute("UPDATE requests SET body = ? WHERE id = ?", (json.dumps(old_record(request)), request.id))
    read = SqliteStore(str(tmp_path / "state.db")).get(request.id)
    assert read is not None and read.removal_merged_at == MERGED and "removal_merged_at" not in read.options


def test_in_use_is_a_set_of_states_and_active_is_no_longer_one() -> None:
    assert State.READY in IN_USE and State.DELETING not in IN_USE
    assert not hasattr(states, "ACTIVE")  # ACTIVE is what Google says of a running instance (bot.cloud.base)


def test_an_ended_lifetime_is_an_end_reason_and_keeps_the_word_records_were_written_with() -> None:
    assert EndReason.LIFETIME.value == "expired"  # stored before the name changed: old records read the same
    assert not isinstance(State.EXPIRED, EndReason) and State.EXPIRED.label == "expired"
