"""Jobs on the Firestore store (see ``bot.store.jobs``): collection ``jobs``, document id = the job's key.

Each change is a compare-and-set on one document (``firestore_coordination._swap``). ``not_before`` is when
the job is due: now for a waiting job, the end of the lease for a taken one, so that one range query on a
single field finds every job a worker may take (no composite index).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from google.api_core import exceptions as api
from google.cloud import firestore

from bot.store.base import Claim
from bot.store.firestore_coordination import _doc_id, _swap
from bot.store.jobs import Job, job_from, job_record


class _Firestore(Protocol):
    _client: Any

    def _snapshot(self, ref: Any) -> Any: ...

    def _commit(self, batch: Any) -> None: ...

    def _stream(self, query: Any) -> list[Any]: ...

    def claim_until(self, key: str, at: datetime, until: datetime) -> bool: ...


class FirestoreJobs:
    """Mixed into :class:`bot.store.firestore.FirestoreStore`."""

    def _job(self: _Firestore, key: str) -> Any:
        return self._client.collection("jobs").document(_doc_id(key))

    def add_job(self: _Firestore, job: Job, now: float, claim: Claim | None = None) -> bool:
        """Adds ``job``, due at once: True if it was not there. A job already waiting keeps its place (with
        the newest arguments); one being worked on is marked to run once more when it ends. With ``claim``,
        only once the claim is taken (a request seen before adds nothing)."""
        if claim is not None and not self.claim_until(claim.key, claim.at, claim.until):
            return False

        new = {**job_record(job), "not_before": now, "holder": "", "attempts": 0, "again": False}
        ref = FirestoreJobs._job(self, job.key)
        batch = self._client.batch()
        batch.create(ref, new)
        try:  # the usual case, a job not asked for yet: one write, no read (the server does this before acks)
            self._commit(batch)
            return True
        except api.AlreadyExists:
            pass

        def decide(current: dict[str, Any] | None) -> tuple[bool, dict[str, Any] | None]:
            if current is None:
                return True, new
            running = bool(current.get("holder")) and float(current.get("not_before", 0)) > now
            if current.get("args") == job.args and (current.get("again") or not running):
                return False, None  # nothing to change: no write
            return False, {**current, **job_record(job), "again": bool(current.get("again")) or running}

        return bool(_swap(self, ref, decide))

    def take_jobs(self: _Firestore, holder: str, room: Mapping[str, int], now: float, lease: float) -> list[Job]:
        """Takes up to ``room[lane]`` due jobs of each lane for ``holder``, until ``now + lease``; oldest first."""
        left = {lane: count for lane, count in room.items() if count > 0}
        if not left:
            return []
        query = (
            self._client.collection("jobs")
            .where(filter=firestore.FieldFilter("not_before", "<=", now))
            .order_by("not_before")
            .limit(4 * sum(left.values()))
        )
        taken: list[Job] = []
        for snap in self._stream(query):
            fields = snap.to_dict() or {}
            lane = str(fields.get("lane") or "default")
            if left.get(lane, 0) <= 0:
                continue

            def decide(current: dict[str, Any] | None) -> tuple[Job | None, dict[str, Any] | None]:
                if current is None or float(current.get("not_before", 0)) > now:
                    return None, None  # finished, or taken by another worker since the query
                attempts = int(current.get("attempts") or 0) + 1
                claimed = {**current, "holder": holder, "not_before": now + lease, "attempts": attempts}
                return job_from(claimed), claimed

            job = _swap(self, snap.reference, decide)
            if job is not None:
                taken.append(job)
                left[lane] -= 1
        return taken

    def renew_jobs(self: _Firestore, holder: str, keys: Iterable[str], until: float) -> None:
        """Extends ``holder``'s lease on the jobs it is still working on."""
        for key in keys:

            def decide(current: dict[str, Any] | None) -> tuple[None, dict[str, Any] | None]:
                if current is None or current.get("holder") != holder:
                    return None, None
                return None, {**current, "not_before": until}

            _swap(self, FirestoreJobs._job(self, key), decide)

    def finish_job(self: _Firestore, key: str, holder: str, now: float) -> bool:
        """Ends ``holder``'s work on the job: removes it, or, if it was asked for again meanwhile, makes it
        due again (True). A job whose lease ``holder`` lost is left to its new holder."""
        ref = FirestoreJobs._job(self, key)
        for _ in range(50):
            snap = self._snapshot(ref)
            current = snap.to_dict() if snap.exists else None
            if current is None or current.get("holder") != holder:
                return False
            batch = self._client.batch()
            option = self._client.write_option(last_update_time=snap.update_time)
            again = bool(current.get("again"))
            if again:
                batch.update(ref, {"holder": "", "again": False, "attempts": 0, "not_before": now}, option=option)
            else:
                batch.delete(ref, option=option)
            try:
                self._commit(batch)
                return again
            except (api.FailedPrecondition, api.NotFound):  # a concurrent "again" or renewal: decide again
                continue
        return False

    def release_jobs(self: _Firestore, holder_prefix: str, now: float) -> int:
        """Makes due at once the jobs held by holders whose name starts with ``holder_prefix``."""
        query = (
            self._client.collection("jobs")
            .where(filter=firestore.FieldFilter("holder", ">=", holder_prefix))
            .where(filter=firestore.FieldFilter("holder", "<", holder_prefix + "\uf8ff"))
        )
        released = 0
        for snap in self._stream(query):

            def decide(current: dict[str, Any] | None) -> tuple[bool, dict[str, Any] | None]:
                if current is None or not str(current.get("holder", "")).startswith(holder_prefix):
                    return False, None
                return True, {**current, "holder": "", "not_before": now}

            released += bool(_swap(self, snap.reference, decide))
        return released

    def waiting_jobs(self: _Firestore) -> int:
        """How many jobs are in the store, waiting or being worked on."""
        return len(self._stream(self._client.collection("jobs")))
