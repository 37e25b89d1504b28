"""Where requests and their audit trail live: SQLite (embedded) or Firestore (production)."""

from bot.store.base import AlreadyExists, DirectoryEntry, Store, StoreUnavailable

__all__ = ["AlreadyExists", "DirectoryEntry", "Store", "StoreUnavailable", "open_store"]


def open_store(url: str) -> Store:
    """The store named by ``NOTEBOOK_BOT_STORE``: ``sqlite:///PATH`` or ``firestore://PROJECT[/DATABASE]``."""
    if url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith("firestore://"):
        from bot.store.firestore import FirestoreStore

        project, _, database = url.removeprefix("firestore://").partition("/")
        return FirestoreStore(project=project, database=database or "(default)")
    raise ValueError(f"NOTEBOOK_BOT_STORE={url!r}: expected sqlite:///PATH or firestore://PROJECT[/DATABASE]")
