"""One contract, two stores: each test that takes ``backend`` or ``store`` runs on SQLite and on Firestore."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.store.base import Store

FIRESTORE_PLUGIN = "tests.support.firestore"


def pytest_configure(config: pytest.Config) -> None:
    # The emulator fixtures, unless tests/conftest.py already registers them for the whole suite.
    if not config.pluginmanager.has_plugin(FIRESTORE_PLUGIN):
        config.pluginmanager.import_plugin(FIRESTORE_PLUGIN)


@dataclass
class Backend:
    """Where a store's data lives, and how another store object (or another process) reaches it."""

    name: str
    url: str  # NOTEBOOK_BOT_STORE for a process of its own
    env: dict[str, str]  # what that process needs in its environment besides the URL
    _open: Callable[[], Store]
    _opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        """A new store object with a connection of its own, as a second instance of the service has."""
        store = self._open()
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self._opened:
            store.close()


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.firestore)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        from bot.store.sqlite import SqliteStore

        path = tmp_path / "state.db"
        chosen = Backend("sqlite", f"sqlite:///{path}", {}, lambda: SqliteStore(str(path)))
    else:
        from tests.support.firestore import FirestoreEmulator, unique_project

        emulator: FirestoreEmulator = request.getfixturevalue("firestore_emulator_process")
        project = unique_project()
        env = {"FIRESTORE_EMULATOR_HOST": emulator.host}
        chosen = Backend("firestore", f"firestore://{project}", env, lambda: emulator.store(project))
    try:
        yield chosen
    finally:
        chosen.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    """An empty store of the backend under test."""
    return backend.open()


@pytest.fixture
def child_env(backend: Backend) -> dict[str, str]:
    """The environment for a separate process that opens the backend's store by its URL."""
    env = {k: v for k, v in os.environ.items() if k != "FIRESTORE_EMULATOR_HOST"}
    repo = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    return {**env, **backend.env, "NOTEBOOK_BOT_STORE": backend.url}
