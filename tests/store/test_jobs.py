"""Jobs in the store: asked for once, taken by one worker at a time, taken again when a worker dies — the
same contract on SQLite and on Firestore, with several store objects racing as several instances do."""

from __future__ import annotations

import threading

from bot.store.base import Store
from bot.store.jobs import Job, job_key
from tests.store.conftest import Backend

NOW = 1_800_000_000.0
LEASE = 30.0


def a_job(request_id: str = "r1", kind: str = "provision", lane: str = "repo", **args: object) -> Job:
    return Job(job_key(kind, request_id), kind, request_id, lane, dict(args))


def test_a_job_asked_for_twice_while_it_waits_is_one_job(store: Store) -> None:
    assert store.add_job(a_job(retry=False), NOW)
    assert not store.add_job(a_job(retry=False), NOW + 1)
    taken = store.take_jobs("w1", {"repo": 5}, NOW + 2, LEASE)
    assert [(j.key, j.kind, j.request_id, j.lane, j.args, j.attempts) for j in taken] == [
        ("provision:r1", "provision", "r1", "repo", {"retry": False}, 1)
    ]
    assert store.take_jobs("w2", {"repo": 5}, NOW + 3, LEASE) == []  # held by w1
    assert not store.finish_job("provision:r1", "w1", NOW + 4)
    assert store.waiting_jobs() == 0


def test_a_job_asked_for_while_it_runs_runs_once_more_after(store: Store) -> None:
    store.add_job(a_job("r1", "progress", "default"), NOW)
    [job] = store.take_jobs("w1", {"default": 1}, NOW, LEASE)
    assert not store.add_job(a_job("r1", "progress", "default"), NOW + 1)  # the newest state must be told too
    assert store.finish_job(job.key, "w1", NOW + 2)  # due again
    [again] = store.take_jobs("w1", {"default": 1}, NOW + 2, LEASE)
    assert again.key == job.key and again.attempts == 1
    assert not store.finish_job(job.key, "w1", NOW + 3)
    assert store.waiting_jobs() == 0


def test_a_dead_workers_job_is_taken_again_when_its_lease_runs_out_and_only_then(store: Store) -> None:
    store.add_job(a_job(), NOW)
    [first] = store.take_jobs("dead", {"repo": 1}, NOW, LEASE)
    assert store.take_jobs("alive", {"repo": 1}, NOW + LEASE - 1, LEASE) == []
    [second] = store.take_jobs("alive", {"repo": 1}, NOW + LEASE + 1, LEASE)
    assert second.key == first.key and second.attempts == 2
    assert not store.finish_job(first.key, "dead", NOW + LEASE + 2)  # the dead one lost it: nothing changes
    assert store.waiting_jobs() == 1
    assert not store.finish_job(first.key, "alive", NOW + LEASE + 3)
    assert store.waiting_jobs() == 0


def test_a_renewed_lease_keeps_the_job_with_its_worker(store: Store) -> None:
    store.add_job(a_job(), NOW)
    [job] = store.take_jobs("w1", {"repo": 1}, NOW, LEASE)
    store.renew_jobs("w1", [job.key], NOW + 2 * LEASE)
    store.renew_jobs("w2", [job.key], NOW)  # not w2's: nothing changes
    assert store.take_jobs("w2", {"repo": 1}, NOW + LEASE + 1, LEASE) == []
    assert [j.key for j in store.take_jobs("w2", {"repo": 1}, NOW + 2 * LEASE + 1, LEASE)] == [job.key]


def test_a_restarted_worker_takes_back_at_once_what_its_predecessor_held(store: Store) -> None:
    for rid in ("r1", "r2"):
        store.add_job(a_job(rid), NOW)
    store.add_job(a_job("r3"), NOW)
    store.take_jobs("serve:host:1:aaaa:w-old", {"repo": 2}, NOW, LEASE)
    store.take_jobs("serve:other:2:bbbb:w", {"repo": 1}, NOW, LEASE)
    assert store.release_jobs("serve:host:1:aaaa:", NOW + 1) == 2
    taken = store.take_jobs("serve:host:1:aaaa:w-new", {"repo": 5}, NOW + 1, LEASE)
    assert sorted(j.request_id for j in taken) == ["r1", "r2"]  # not the other instance's, which is alive


def test_each_lane_takes_only_what_it_has_room_for_oldest_first(store: Store) -> None:
    for i in range(5):
        store.add_job(a_job(f"r{i}", "provision", "repo"), NOW + i)
    for i in range(3):
        store.add_job(a_job(f"r{i}", "progress", "default"), NOW + i)
    taken = store.take_jobs("w", {"repo": 2, "default": 0}, NOW + 10, LEASE)
    assert [j.key for j in taken] == ["provision:r0", "provision:r1"]
    taken = store.take_jobs("w", {"repo": 0, "default": 5}, NOW + 10, LEASE)
    assert sorted(j.key for j in taken) == ["progress:r0", "progress:r1", "progress:r2"]


def test_workers_of_several_instances_racing_take_each_job_once(backend: Backend) -> None:
    stores = [backend.open() for _ in range(4)]
    for i in range(40):
        stores[i % 4].add_job(a_job(f"r{i:02d}", "progress", "default"), NOW)
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(i: int) -> None:
        start.wait()
        while True:
            got = stores[i].take_jobs(f"w{i}", {"default": 3}, NOW + 1, LEASE)
            if not got:
                return
            with lock:
                taken.extend(j.key for j in got)
            for j in got:
                stores[i].finish_job(j.key, f"w{i}", NOW + 1)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(taken) == sorted(f"progress:r{i:02d}" for i in range(40))  # each once, none lost
    assert stores[0].waiting_jobs() == 0


def test_a_waiting_job_asked_for_again_keeps_its_place_with_the_newest_arguments(store: Store) -> None:
    store.add_job(a_job("r1", retry=False), NOW)
    store.add_job(a_job("r2"), NOW + 1)
    assert not store.add_job(a_job("r1", retry=True), NOW + 2)  # reconcile: the pull request may exist
    taken = store.take_jobs("w", {"repo": 1}, NOW + 3, LEASE)
    assert [(j.key, j.args) for j in taken] == [("provision:r1", {"retry": True})]
