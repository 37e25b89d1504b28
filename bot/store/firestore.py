"""The production store: Firestore in native mode. It keeps the same records as the SQLite store.

Collections: ``requests`` (document id = request id; the fields are the request's record, whose top-level
``owner_user_id``, ``state``, ``created_at``, ``due_at`` and ``version`` serve the queries), ``audit``
(document id = the record's stable key; only ever created) and ``claims`` (document id = the key).
The composite indexes the queries need are declared in ``deploy/firestore/indexes.json``.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import grpc
from google.api_core import exceptions as api
from google.auth import exceptions as auth
from google.cloud import firestore

from bot.domain.request import AuditRecord, EnvironmentRequest, iso
from bot.domain.states import State
from bot.domain.transitions import Step
from bot.store.base import AlreadyExists, StoreUnavailable
from bot.store.firestore_client import bound_retries, make_client

T = TypeVar("T")

# Errors that mean "the database did not answer (in time)", as opposed to a bug or a bad query.
# Aborted is contention that outlasted every transaction attempt: also "try again later".
_UNREACHABLE: tuple[type[BaseException], ...] = (
    api.ServiceUnavailable,
    api.DeadlineExceeded,
    api.RetryError,
    api.InternalServerError,
    api.ResourceExhausted,
    api.Aborted,
    api.Cancelled,
    api.Unknown,
    grpc.RpcError,
    auth.TransportError,
    auth.RefreshError,
)
# Waits between attempts of a transaction that lost a conflict: about 0.25 s, 0.5 s, 1 s, then 2 s.
_BACKOFF_FIRST = 0.5
_BACKOFF_CAP = 4.0
# Firestore allows 30 values in an "in" filter; there are fewer states than that.
_MAX_IN_VALUES = 30


class FirestoreStore:
    """A Store on Firestore, shared by every instance of the service (each step is one transaction)."""

    def __init__(
        self,
        project: str,
        database: str = "(default)",
        client: firestore.Client | None = None,
        *,
        rpc_deadline: float = 5.0,
        max_attempts: int = 10,
    ) -> None:
        self._client = client if client is not None else make_client(project, database)
        bound_retries(self._client, rpc_deadline)
        self._max_attempts = max_attempts
        self._requests = self._client.collection("requests")
        self._audit = self._client.collection("audit")
        self._claims = self._client.collection("claims")

    def add(self, request: EnvironmentRequest, audit: AuditRecord) -> None:
        ref = self._requests.document(_doc_id(request.id))
        audit_ref = self._audit.document(_doc_id(audit.key))

        def add_in(tx: firestore.Transaction) -> None:
            found = {snap.reference.path: snap.exists for snap in tx.get_all([ref, audit_ref])}
            if found.get(ref.path):
                raise AlreadyExists(request.id)
            tx.create(ref, request.with_changes(version=1).to_record())
            if not found.get(audit_ref.path):
                tx.create(audit_ref, audit.to_record())

        self._transaction(add_in)

    def get(self, request_id: str) -> EnvironmentRequest | None:
        with _reaching_firestore():
            snap = self._requests.document(_doc_id(request_id)).get()
        return EnvironmentRequest.from_record(_fields(snap)) if snap.exists else None

    def apply(self, request_id: str, step: Step) -> EnvironmentRequest | None:
        ref = self._requests.document(_doc_id(request_id))
        # A step that declines the committed request writes nothing, so a plain read is enough to say so
        # (as if the transaction had run at that moment). Most lost races end here, without taking locks
        # that the winner's commit would have to wait for.
        with _reaching_firestore():
            seen = ref.get()
        if not seen.exists or step(EnvironmentRequest.from_record(_fields(seen))) is None:
            return None

        def apply_in(tx: firestore.Transaction) -> EnvironmentRequest | None:
            snap = ref.get(transaction=tx)
            if not snap.exists:
                return None
            current = EnvironmentRequest.from_record(_fields(snap))
            change = step(current)
            if change is None:
                return None
            new = change.request.with_changes(version=current.version + 1)
            audit_ref = None
            if change.audit is not None:
                # A record with this key is already there when an earlier attempt of the same event was
                # written: keep that one (as SQLite's INSERT OR IGNORE does). Reads come before writes.
                candidate = self._audit.document(_doc_id(change.audit.key))
                audit_ref = None if candidate.get(transaction=tx).exists else candidate
            tx.set(ref, new.to_record())
            if audit_ref is not None and change.audit is not None:
                tx.create(audit_ref, change.audit.to_record())
            return new

        return self._transaction(apply_in)

    def find(
        self,
        *,
        owner_user_id: str | None = None,
        states: Iterable[State] | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[EnvironmentRequest]:
        wanted = None if states is None else list(dict.fromkeys(State(s).value for s in states))
        if wanted == []:
            return []
        due = iso(due_before)
        query: Any = self._requests
        if owner_user_id is not None:
            # Indexed as (owner_user_id, created_at). One person has few requests, so the other filters
            # are applied here rather than with one more composite index per combination.
            query = query.where(filter=firestore.FieldFilter("owner_user_id", "==", owner_user_id))
            query = query.order_by("created_at").order_by("__name__")
            found = [r for r in self._run(query) if _matches(r, wanted, due)]
            if due is not None:
                found.sort(key=lambda r: (iso(r.due_at), r.id))
            return found[:limit] if limit else found
        if wanted is not None:
            if len(wanted) > _MAX_IN_VALUES:
                raise ValueError(f"at most {_MAX_IN_VALUES} states in one query")
            query = query.where(filter=firestore.FieldFilter("state", "in", wanted))
        if due is not None:
            # Indexed as (state, due_at); a range filter leaves out requests without a due date.
            query = query.where(filter=firestore.FieldFilter("due_at", "<=", due)).order_by("due_at")
        else:
            query = query.order_by("created_at")
        query = query.order_by("__name__")
        if limit:
            query = query.limit(int(limit))
        return self._run(query)

    def audit_trail(self, request_id: str) -> list[AuditRecord]:
        query = (
            self._audit.where(filter=firestore.FieldFilter("request_id", "==", request_id))
            .order_by("at")
            .order_by("__name__")
        )
        with _reaching_firestore():
            return [AuditRecord.from_record(_fields(snap)) for snap in query.stream()]

    def record(self, audit: AuditRecord) -> None:
        with _reaching_firestore():
            try:
                self._audit.document(_doc_id(audit.key)).create(audit.to_record())
            except api.AlreadyExists:
                pass  # the same event, written before: the trail keeps the first one

    def claim(self, key: str, at: datetime) -> bool:
        ref = self._claims.document(_doc_id(key))
        # The token tells "somebody claimed it before" from "our own create was retried after the server
        # had already written it" (a lost answer), which must still count as ours.
        token = uuid.uuid4().hex
        with _reaching_firestore():
            try:
                ref.create({"key": key, "at": iso(at), "token": token})
                return True
            except api.AlreadyExists:
                holder = ref.get()
                return bool(holder.exists and _fields(holder).get("token") == token)

    def release(self, key: str) -> None:
        with _reaching_firestore():
            self._claims.document(_doc_id(key)).delete()

    def ping(self) -> None:
        with _reaching_firestore():
            self._claims.document("ping").get()

    def close(self) -> None:
        """Closes the client's connections, including those of a client that was passed in."""
        self._client.close()

    def _transaction(self, work: Callable[[firestore.Transaction], T]) -> T:
        """Runs ``work`` in one transaction; from the start again if it lost a conflict to another one.

        Retries wait a random, growing while (the client library's own retries come back at once, and on
        the emulator every contender then deadlocks again until its 2 s lock timeout).
        """
        for attempt in range(1, self._max_attempts + 1):
            try:
                run: Callable[[firestore.Transaction], T] = firestore.transactional(work)
                return run(self._client.transaction(max_attempts=1))
            except Exception as e:
                if attempt < self._max_attempts and _cause(e, (api.Aborted,)) is not None:
                    pause = min(_BACKOFF_CAP, _BACKOFF_FIRST * 2 ** (attempt - 1))
                    time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not a secret
                    continue
                cause = _cause(e, _UNREACHABLE)
                if cause is None:
                    raise
                raise StoreUnavailable(f"{type(cause).__name__}: {cause}") from e
        raise AssertionError("not reached")

    def _run(self, query: Any) -> list[EnvironmentRequest]:
        with _reaching_firestore():
            return [EnvironmentRequest.from_record(_fields(snap)) for snap in query.stream()]


def _matches(request: EnvironmentRequest, states: list[str] | None, due: str | None) -> bool:
    if states is not None and request.state.value not in states:
        return False
    if due is None:
        return True
    due_at = iso(request.due_at)
    return due_at is not None and due_at <= due


def _fields(snap: Any) -> dict[str, Any]:
    fields: dict[str, Any] | None = snap.to_dict()
    return fields or {}


def _doc_id(key: str) -> str:
    """A valid document id for any key, one-to-one: no ``/``, not ``.``/``..``, not ``__x__``, not empty."""
    escaped = key.replace("%", "%25").replace("/", "%2F")
    if escaped in ("", ".", "..") or (escaped.startswith("__") and escaped.endswith("__")):
        escaped = "%" + escaped.replace(".", "%2E").replace("_", "%5F")
    return escaped


@contextmanager
def _reaching_firestore() -> Iterator[None]:
    """Turns "the database did not answer" into StoreUnavailable; lets every other error through."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as e:
        cause = _cause(e, _UNREACHABLE)
        if cause is None:
            raise
        raise StoreUnavailable(f"{type(cause).__name__}: {cause}") from e


def _cause(error: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first error of one of ``kinds`` in the chain that led to ``error``, if any.

    The transaction helper hides the first error behind its own: a ValueError when every attempt was
    aborted, or the rollback's error when the server had gone away. So the whole chain is searched.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
