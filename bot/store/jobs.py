"""Durable work after the ack: jobs in the store, taken by a worker under a lease (``bot.workflow.jobs``).

A job is named by its ``key`` (``kind:request id``): asking again for a job that is waiting changes nothing,
and asking again for one that is running has it run once more after it ends, so the newest state is the one
acted on. A worker takes a job by writing its name and the end of its lease into the job; a worker that dies
leaves the lease to run out (or to be given back by its successor), and the job is taken again. Both stores
implement this with one transaction per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    """One piece of work, as stored: what to do (``kind``), to which request, with which arguments."""

    key: str
    kind: str
    request_id: str
    lane: str = "default"
    args: dict[str, Any] = field(default_factory=dict, hash=False)
    attempts: int = 0  # how many times a worker has taken it (more than one: a worker died holding it)


def job_key(kind: str, request_id: str) -> str:
    return f"{kind}:{request_id}"


def job_record(job: Job) -> dict[str, Any]:
    return {"key": job.key, "kind": job.kind, "request_id": job.request_id, "lane": job.lane, "args": job.args}


def job_from(record: dict[str, Any]) -> Job:
    return Job(
        key=str(record["key"]),
        kind=str(record["kind"]),
        request_id=str(record["request_id"]),
        lane=str(record.get("lane") or "default"),
        args=dict(record.get("args") or {}),
        attempts=int(record.get("attempts") or 0),
    )
