"""Fixtures of the lifecycle scenarios: the bot with a scriptable cloud, or a repository that can fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.load import load_policy
from bot.store.sqlite import SqliteStore
from bot.workflow.power import Waiting
from tests.support.harness import Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo, ScriptedCloud


@pytest.fixture
def sleeps() -> list[float]:
    """What the bot would have slept while following a start or stop (nothing really sleeps)."""
    return []


@pytest.fixture
def scripted(tmp_path: Path, sqlite_store: SqliteStore, sleeps: list[float]) -> Iterator[tuple[Harness, ScriptedCloud]]:
    """The bot on SQLite whose cloud tests can slow down, break or make environments vanish from."""
    made: list[ScriptedCloud] = []

    def cloud(repo):  # type: ignore[no-untyped-def]
        made.append(ScriptedCloud(repo))
        return made[0]

    with running_bot(tmp_path, sqlite_store, cloud=cloud) as bot:
        bot.app.lifecycle.power.waiting = Waiting(interval_seconds=10, max_polls=5, sleep=sleeps.append)
        yield bot, made[0]


@pytest.fixture
def flaky(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[tuple[Harness, FlakyRepo]]:
    """The bot whose infra repository fails on demand, with one provisioning attempt before ``failed``."""
    base = load_policy(None)
    policy = base.model_copy(update={"limits": base.limits.model_copy(update={"provisioning_attempts": 1})})
    repo = FlakyRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        yield bot, repo
