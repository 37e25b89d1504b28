"""Building a Firestore client that gives up in seconds, and pointing one at the emulator.

The Google client retries an unreachable server for 60 s (300 s for reads) before it raises. A Slack user
is waiting behind every store call, so the store caps those retries: an outage becomes ``StoreUnavailable``
within a few seconds, and the reconcile pass picks the work up later.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from google.cloud import firestore
from google.cloud.firestore_v1.services.firestore import client as gapic
from google.cloud.firestore_v1.services.firestore.transports.grpc import FirestoreGrpcTransport

log = logging.getLogger(__name__)

EMULATOR_HOST_ENV = "FIRESTORE_EMULATOR_HOST"
# Rolling back is a courtesy (the server drops an abandoned transaction by itself), so it never gets
# the full budget.
_ROLLBACK_SECONDS = 1.0
_env_lock = threading.Lock()
# After losing a server, gRPC waits up to two minutes between attempts to reconnect, and channels to the
# same address share that wait. Retrying every second keeps "the database is back" and "the bot works
# again" close together.
_RECONNECT_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 250), ("grpc.max_reconnect_backoff_ms", 1000)]
_MESSAGE_SIZE_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


class _Transport(FirestoreGrpcTransport):
    @classmethod
    def create_channel(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["options"] = [*(kwargs.get("options") or ()), *_RECONNECT_OPTIONS]
        return super().create_channel(*args, **kwargs)


class _Client(firestore.Client):
    """The Google client, with the reconnect options above on its connection (production or emulator)."""

    @property
    def _firestore_api(self) -> Any:
        return self._firestore_api_helper(_Transport, gapic.FirestoreClient, gapic)

    def _emulator_channel(self, transport: Any) -> grpc.Channel:
        # As the library does, plus the reconnect options; the emulator takes any bearer token.
        options = [("Authorization", "Bearer owner"), *_MESSAGE_SIZE_OPTIONS, *_RECONNECT_OPTIONS]
        return grpc.insecure_channel(self._emulator_host, options=options)


def make_client(project: str, database: str, *, emulator_host: str | None = None) -> firestore.Client:
    """A client for ``project``/``database``; on ``emulator_host`` when given, else as the environment says.

    The Google client reads ``FIRESTORE_EMULATOR_HOST`` only while it is being constructed, so the variable
    is set just for that moment, under a lock, and restored: other clients in the process are unaffected.
    """
    if emulator_host is None:
        return _Client(project=project, database=database)
    with _env_lock, _environment(EMULATOR_HOST_ENV, emulator_host):
        return _Client(project=project, database=database)


def bound_retries(client: firestore.Client, seconds: float) -> None:
    """Caps how long each RPC of ``client`` (including transaction begin/commit) keeps retrying.

    Transactions call the generated API without a retry argument, so the cap is applied to the generated
    methods' defaults. This reaches into the generated client; if its shape ever changes the cap is skipped
    with a warning (the outage test notices).
    """
    try:
        transport: Any = client._firestore_api._transport
        methods: dict[Any, Any] = transport._wrapped_methods
        rollback = transport.rollback
    except AttributeError:
        log.warning("cannot bound Firestore RPC retries: the client library changed shape")
        return
    for method, wrapped in methods.items():
        budget = min(seconds, _ROLLBACK_SECONDS) if method is rollback else seconds
        retry = getattr(wrapped, "_retry", None)
        if retry is not None and hasattr(retry, "with_timeout"):
            wrapped._retry = retry.with_timeout(budget)
        timeout = getattr(wrapped, "_timeout", None)
        if isinstance(timeout, int | float):
            wrapped._timeout = min(float(timeout), budget)


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved
