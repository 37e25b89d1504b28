"""The directory cache (Slack users and user groups as last seen), checked on SQLite and on Firestore alike."""

from __future__ import annotations

from bot.store.base import DirectoryEntry, Store
from tests.store.conftest import Backend
from tests.store.examples import at

ALICE = {"id": "U0ALICE", "email": "alice@example.com", "is_restricted": False, "tz": "Europe/Paris"}


def alice(seconds: float, **changes: object) -> DirectoryEntry:
    return DirectoryEntry("user:U0ALICE", {**ALICE, **changes}, at(seconds), handle="alice")


def test_an_entry_comes_back_as_it_was_saved_and_unknown_keys_are_left_out(store: Store) -> None:
    group = DirectoryEntry("group:S0ML", {"users": ["U0ALICE", "U0BOB"]}, at(1))
    assert store.save_directory_entry(alice(0)) is True
    assert store.save_directory_entry(group) is True

    found = store.directory_entries(["user:U0ALICE", "group:S0ML", "user:U0NOBODY", "user:U0ALICE"])

    assert found == {"user:U0ALICE": alice(0), "group:S0ML": group}
    assert store.directory_entries([]) == {}


def test_a_newer_answer_replaces_an_older_one_but_never_the_other_way_round(store: Store) -> None:
    store.save_directory_entry(alice(0))
    assert store.save_directory_entry(alice(10, is_restricted=True)) is True

    # A lookup that started before the change event and answered after it must not undo it.
    assert store.save_directory_entry(alice(5, is_restricted=False)) is False

    assert store.directory_entries(["user:U0ALICE"])["user:U0ALICE"] == alice(10, is_restricted=True)


def test_users_are_found_by_their_handle(store: Store) -> None:
    store.save_directory_entry(alice(0))
    store.save_directory_entry(DirectoryEntry("user:U0BOB", {"id": "U0BOB"}, at(0), handle="bob"))
    store.save_directory_entry(DirectoryEntry("group:S0ML", {"users": []}, at(0)))

    assert store.directory_by_handle("alice") == [alice(0)]
    assert store.directory_by_handle("nobody") == []


def test_another_instance_sees_what_one_instance_cached(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    first.save_directory_entry(alice(0))

    assert second.directory_entries(["user:U0ALICE"]) == {"user:U0ALICE": alice(0)}
    assert second.save_directory_entry(alice(3, is_restricted=True)) is True
    assert first.directory_entries(["user:U0ALICE"])["user:U0ALICE"].body["is_restricted"] is True


def test_keys_that_are_awkward_for_a_database_are_kept_as_given(store: Store) -> None:
    for key in ("user:a/b", "..", "__x__", "group:100%"):
        entry = DirectoryEntry(key, {"users": [key]}, at(0))
        store.save_directory_entry(entry)
        assert store.directory_entries([key]) == {key: entry}
