"""Leases and paced slots on the Firestore store (see ``bot.store.coordination``).

Collections ``leases`` and ``slots`` (document id = the name or key). Each call is a compare-and-set as
``FirestoreStore.apply`` is: read, decide, commit with a precondition (must not exist / unchanged since the
read), again on a lost race. Instances never wait on each other's locks.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any, Protocol

from google.api_core import exceptions as api

from bot.domain.request import iso
from bot.store.base import StoreUnavailable
from bot.store.coordination import Limits, next_slot

_ATTEMPTS = 200  # instances contend for one budget's document; each loss costs one re-read


class _Firestore(Protocol):
    _client: Any

    def _snapshot(self, ref: Any) -> Any: ...

    def _commit(self, batch: Any) -> None: ...


def _doc_id(key: str) -> str:
    """A valid document id for any key, one-to-one (the rule ``bot.store.firestore`` follows for its own)."""
    escaped = key.replace("%", "%25").replace("/", "%2F")
    if escaped in ("", ".", "..") or (escaped.startswith("__") and escaped.endswith("__")):
        escaped = "%" + escaped.replace(".", "%2E").replace("_", "%5F")
    return escaped


def _swap(store: _Firestore, ref: Any, decide: Any) -> Any:
    """Runs ``decide(fields or None) -> (result, new fields or None)`` as one compare-and-set on ``ref``."""
    for attempt in range(1, _ATTEMPTS + 1):
        snap = store._snapshot(ref)
        current = (snap.to_dict() or {}) if snap.exists else None
        result, new = decide(current)
        if new is None:
            return result
        batch = store._client.batch()
        if snap.exists:
            batch.update(ref, new, option=store._client.write_option(last_update_time=snap.update_time))
        else:
            batch.create(ref, new)
        try:
            store._commit(batch)
            return result
        except (api.FailedPrecondition, api.AlreadyExists):
            time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not a secret
    raise StoreUnavailable(f"{ref.id} kept changing under {_ATTEMPTS} attempts")


class FirestoreCoordination:
    """Mixed into :class:`bot.store.firestore.FirestoreStore`."""

    def take_lease(self: _Firestore, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Takes (or renews) the lease ``name`` for ``holder`` until ``now + ttl``: True unless another
        holder has it and it has not run out."""
        ref = self._client.collection("leases").document(_doc_id(name))

        def decide(current: dict[str, Any] | None) -> tuple[bool, dict[str, Any] | None]:
            if current and current.get("holder") != holder and str(current.get("until")) > str(iso(now)):
                return False, None
            return True, {"name": name, "holder": holder, "until": iso(now + ttl)}

        return bool(_swap(self, ref, decide))

    def drop_lease(self: _Firestore, name: str, holder: str) -> None:
        """Gives the lease back, if ``holder`` still has it."""
        ref = self._client.collection("leases").document(_doc_id(name))

        def decide(current: dict[str, Any] | None) -> tuple[None, dict[str, Any] | None]:
            if not current or current.get("holder") != holder:
                return None, None
            return None, {**current, "holder": "", "until": iso(datetime.fromtimestamp(0).astimezone())}

        _swap(self, ref, decide)

    def reserve_slot(self: _Firestore, key: str, not_before: float, spacing: float, limits: Limits = ()) -> float:
        """Reserves the next instant (epoch seconds) at which one call counted under ``key`` may go out."""
        ref = self._client.collection("slots").document(_doc_id(key))

        def decide(current: dict[str, Any] | None) -> tuple[float, dict[str, Any]]:
            slot, record = next_slot(current, not_before, spacing, limits)
            return slot, {"key": key, **record}

        return float(_swap(self, ref, decide))
