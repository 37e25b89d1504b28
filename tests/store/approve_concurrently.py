"""A second instance of the service, for the store tests: several threads approve the same requests at once.

Usage: python approve_concurrently.py ORDINAL THREADS REQUEST_ID... (the store: NOTEBOOK_BOT_STORE).
Each approval carries its own instant, so that two winners would leave two audit records, not one.
It opens the store, prints "ready", waits for a line on stdin (so that every process starts together),
then prints one JSON object: {request_id: [actor of each approval that this process won]}.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from bot.domain.states import State
from bot.domain.transitions import step_to
from bot.store import open_store
from tests.store.examples import at


def main(ordinal: int, threads: int, request_ids: list[str]) -> None:
    store = open_store(os.environ["NOTEBOOK_BOT_STORE"])
    won: dict[str, list[str]] = {request_id: [] for request_id in request_ids}
    lock = threading.Lock()

    def approve_all(number: int) -> None:
        actor = f"U0ADMIN{number}"
        for request_id in request_ids:
            when = at(10 + number / 1000)
            step = step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor=actor, at=when, decided_by=actor)
            if store.apply(request_id, step) is not None:
                with lock:
                    won[request_id].append(actor)

    workers = [threading.Thread(target=approve_all, args=(ordinal * 100 + i,)) for i in range(threads)]
    print("ready", flush=True)
    sys.stdin.readline()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    store.close()
    print(json.dumps(won), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
