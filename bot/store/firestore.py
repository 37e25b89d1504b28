"""The production store: Firestore in native mode. It keeps the same records as the SQLite store.

Collections: ``requests`` (document id = request id; the fields are the request's record, whose top-level
``owner_user_id``, ``state``, ``created_at``, ``due_at`` and ``version`` serve the queries), ``audit``
(document id = the record's stable key; only ever created), ``claims`` (document id = the key),
``expiring_claims`` (document id = the key; its ``until`` timestamp suits a Firestore TTL policy, which
deletes claims that no longer matter) and ``directory`` (document id = the entry's key: Slack users and
user groups as last seen). ``jobs`` (work after the ack) is ``bot/store/firestore_jobs.py``'s.
The composite indexes the queries need are declared in ``deploy/firestore/indexes.json``.

Every write is one atomic commit with preconditions (create = "must not exist", update = "unchanged since
read"), so a write that lost a race is refused by the database, not by a lock in this process.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import grpc
from google.api_core import exceptions as api
from google.auth import exceptions as auth
from google.cloud import firestore

from bot.domain.request import AuditRecord, EnvironmentRequest, iso, parse_iso
from bot.domain.states import State
from bot.domain.transitions import Step
from bot.store.base import AlreadyExists, DirectoryEntry, StoreUnavailable
from bot.store.firestore_client import bound_retries, make_client
from bot.store.firestore_coordination import FirestoreCoordination
from bot.store.firestore_jobs import FirestoreJobs

# Answers that mean "the database did not answer (in time)", as opposed to a bug or a refused write.
_UNREACHABLE_API: tuple[type[api.GoogleAPICallError], ...] = (
    api.ServiceUnavailable,
    api.DeadlineExceeded,
    api.InternalServerError,
    api.ResourceExhausted,
    api.Aborted,
    api.Cancelled,
    api.Unknown,
)
_UNREACHABLE_GRPC = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
    }
)
# A lost compare-and-set means another writer got through, so it is retried at once, with a little
# jitter (seconds, growing with each attempt) against a herd.
_BACKOFF = 0.01
# Firestore allows 30 values in an "in" filter; there are fewer states than that.
_MAX_IN_VALUES = 30


class FirestoreStore(FirestoreCoordination, FirestoreJobs):
    """A Store on Firestore, shared by every instance of the service (each write is one atomic commit)."""

    def __init__(
        self,
        project: str,
        database: str = "(default)",
        client: firestore.Client | None = None,
        *,
        emulator_host: str | None = None,
        rpc_deadline: float = 5.0,
        max_attempts: int = 20,
    ) -> None:
        """A store on ``project``/``database``: through ``client`` if given, else through a client of its own.

        ``emulator_host`` points its own client at an emulator (else ``FIRESTORE_EMULATOR_HOST`` decides).
        Every RPC gives up after ``rpc_deadline`` seconds of retrying; a write that keeps losing races to
        other writers gives up after ``max_attempts``.
        """
        self._max_attempts = max_attempts
        if client is None:
            client = make_client(project, database, emulator_host=emulator_host)
        bound_retries(client, rpc_deadline)
        self._client = client
        self._requests = client.collection("requests")
        self._audit = client.collection("audit")
        self._claims = client.collection("claims")
        self._expiring = client.collection("expiring_claims")
        self._directory = client.collection("directory")

    def add(self, request: EnvironmentRequest, audit: AuditRecord) -> None:
        ref = self._requests.document(_doc_id(request.id))
        record = request.with_changes(version=1).to_record()
        with_audit = True
        for _ in range(2):
            batch = self._client.batch()
            batch.create(ref, record)
            if with_audit:
                batch.create(self._audit.document(_doc_id(audit.key)), audit.to_record())
            try:
                self._commit(batch)
                return
            except api.AlreadyExists:
                stored = self._snapshot(ref)
                if stored.exists:
                    if _fields(stored) == record:
                        return  # our own create, retried after its answer was lost
                    raise AlreadyExists(request.id) from None
                with_audit = False  # the audit record was there already: keep that one
        raise StoreUnavailable("the request could not be added")

    def get(self, request_id: str) -> EnvironmentRequest | None:
        snap = self._snapshot(self._requests.document(_doc_id(request_id)))
        return EnvironmentRequest.from_record(_fields(snap)) if snap.exists else None

    def apply(self, request_id: str, step: Step) -> EnvironmentRequest | None:
        """Compare-and-set: read, run ``step``, commit only if the request has not changed since the read.

        The request update (preconditioned on the update time that was read) and the audit record go in one
        atomic commit. Losing a race costs an immediate re-read, after which the step usually declines.
        This holds no locks between calls, unlike a read-write transaction, so contenders never wait for
        each other (the emulator's lock timeouts would otherwise livelock twenty concurrent approvals).
        """
        ref = self._requests.document(_doc_id(request_id))
        with_audit = True
        for attempt in range(1, self._max_attempts + 1):
            snap = self._snapshot(ref)
            if not snap.exists:
                return None
            current = EnvironmentRequest.from_record(_fields(snap))
            change = step(current)
            if change is None:
                return None
            new = change.request.with_changes(version=current.version + 1)
            batch = self._client.batch()
            precondition = self._client.write_option(last_update_time=snap.update_time)
            batch.update(ref, new.to_record(), option=precondition)
            if change.audit is not None and with_audit:
                batch.create(self._audit.document(_doc_id(change.audit.key)), change.audit.to_record())
            try:
                self._commit(batch)
                return new
            except api.FailedPrecondition:
                if _fields(self._snapshot(ref)) == new.to_record():
                    return new  # our own commit, retried after its answer was lost
            except api.AlreadyExists:
                with_audit = False  # this event was recorded before: keep that record (INSERT OR IGNORE)
            time.sleep(random.uniform(0, _BACKOFF * attempt))  # noqa: S311 - jitter, not a secret
        raise StoreUnavailable(f"request {request_id} kept changing under {self._max_attempts} attempts")

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
        # The same event written before (same key) stays as it was first written.
        with _reaching_firestore(), contextlib.suppress(api.AlreadyExists):
            self._audit.document(_doc_id(audit.key)).create(audit.to_record())

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

    def claim_until(self, key: str, at: datetime, until: datetime) -> bool:
        ref = self._expiring.document(_doc_id(key))
        token = uuid.uuid4().hex  # tells our own retried create from somebody else's claim, as in claim()
        with _reaching_firestore():
            try:
                ref.create({"key": key, "until": until, "token": token})
                return True
            except api.AlreadyExists:
                holder = ref.get()
            fields = _fields(holder)
            if not holder.exists or fields.get("token") == token:
                return holder.exists
            if fields.get("until") is None or fields["until"] > at:
                return False
            # Expired (the TTL policy has not deleted it yet): take it over, unless someone else just did.
            try:
                option = self._client.write_option(last_update_time=holder.update_time)
                ref.update({"until": until, "token": token}, option=option)
                return True
            except (api.FailedPrecondition, api.NotFound):
                return False

    def directory_entries(self, keys: Iterable[str]) -> dict[str, DirectoryEntry]:
        refs = [self._directory.document(_doc_id(k)) for k in dict.fromkeys(keys)]
        if not refs:
            return {}
        with _reaching_firestore():
            found = [_directory_entry(snap) for snap in self._client.get_all(refs) if snap.exists]
        return {e.key: e for e in found}

    def save_directory_entry(self, entry: DirectoryEntry) -> bool:
        ref = self._directory.document(_doc_id(entry.key))
        record = {"key": entry.key, "fetched_at": iso(entry.fetched_at), "handle": entry.handle, "body": entry.body}
        for _ in range(self._max_attempts):
            snap = self._snapshot(ref)
            # Only a newer answer replaces a stored one: a slow lookup must not undo a change event.
            if snap.exists and str(_fields(snap).get("fetched_at") or "") > str(record["fetched_at"]):
                return False
            batch = self._client.batch()
            if snap.exists:  # compare-and-set on the version that was read
                batch.update(ref, record, option=self._client.write_option(last_update_time=snap.update_time))
            else:
                batch.create(ref, record)
            try:
                self._commit(batch)
                return True
            except (api.FailedPrecondition, api.AlreadyExists, api.NotFound):
                continue  # someone wrote meanwhile: compare again
        raise StoreUnavailable(f"directory entry {entry.key} kept changing")

    def directory_by_handle(self, handle: str) -> list[DirectoryEntry]:
        query = self._directory.where(filter=firestore.FieldFilter("handle", "==", handle))
        with _reaching_firestore():
            found = [_directory_entry(snap) for snap in query.stream()]
        return sorted(found, key=lambda e: e.key)

    def ping(self) -> None:
        with _reaching_firestore():
            self._claims.document("ping").get()

    def close(self) -> None:
        """Closes the client's connections, including those of a client that was passed in."""
        self._client.close()  # type: ignore[no-untyped-call]

    def _snapshot(self, ref: Any) -> Any:
        with _reaching_firestore():
            return ref.get()

    def _commit(self, batch: Any) -> None:
        with _reaching_firestore():
            batch.commit()

    def _stream(self, query: Any) -> list[Any]:
        with _reaching_firestore():
            return list(query.stream())

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


def _directory_entry(snap: Any) -> DirectoryEntry:
    fields = _fields(snap)
    fetched_at = parse_iso(fields.get("fetched_at"))
    assert fetched_at is not None
    return DirectoryEntry(
        key=str(fields["key"]), body=dict(fields.get("body") or {}), fetched_at=fetched_at, handle=fields.get("handle")
    )


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
    except Exception as e:
        if not _unreachable(e):
            raise
        raise StoreUnavailable(f"{type(e).__name__}: {e}") from e


def _unreachable(error: Exception) -> bool:
    if isinstance(error, api.GoogleAPICallError):  # the usual form: gRPC status mapped by api_core
        return isinstance(error, _UNREACHABLE_API)
    if isinstance(error, api.RetryError):  # retried until the deadline: unreachable all along
        return True
    if isinstance(error, grpc.RpcError) and isinstance(error, grpc.Call):  # one that escaped the mapping
        return error.code() in _UNREACHABLE_GRPC
    return isinstance(error, auth.TransportError | auth.RefreshError)  # no token: metadata server away
