"""Fixtures shared by the whole suite: the stores and the running bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.base import Store
from bot.store.sqlite import SqliteStore
from tests.support.harness import Harness, running_bot

pytest_plugins = ["tests.support.firestore"]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(str(tmp_path / "state.db"))
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.firestore)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each test that uses it runs once on SQLite and once on the Firestore emulator."""
    if request.param == "sqlite":
        store: Store = SqliteStore(str(tmp_path / "state.db"))
    else:
        store = request.getfixturevalue("firestore_store")
    yield store
    if request.param == "sqlite":
        store.close()


@pytest.fixture
def bot(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[Harness]:
    """The bot on SQLite with the built-in example policy."""
    with running_bot(tmp_path, sqlite_store) as harness:
        yield harness


@pytest.fixture
def bot_on_any_store(tmp_path: Path, any_store: Store) -> Iterator[Harness]:
    """The bot on each store in turn (SQLite, then the Firestore emulator)."""
    with running_bot(tmp_path, any_store) as harness:
        yield harness
