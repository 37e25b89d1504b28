"""Google's own edges: every state its APIs can report, retries Google recognises, retries that spread out."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.base import ERROR, NOT_FOUND, PROVISIONING, STOPPED
from bot.cloud.gcp import GcpCloud, dataproc_request_id
from tests.cloud.conftest import PROJECT, REGION, ZONE, dataproc, workbench
from tests.support.google_server import Fault, GoogleServer

CLUSTER = f"/v1/projects/{PROJECT}/regions/{REGION}/clusters/alice-spark"


def test_an_orphaned_workbench_instance_is_an_error_that_says_what_happened(
    google: GoogleServer, cloud: GcpCloud
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.instances[(PROJECT, ZONE, "alice-nb")]["state"] = "ORPHANED"

    status = cloud.status(workbench())

    assert status.state == ERROR
    assert "upgrade removed its VM" in status.detail and "data disk is intact" in status.detail


def test_a_scheduled_cluster_is_on_its_way_waiting_for_machines(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "SCHEDULED")

    status = cloud.status(dataproc())

    assert status.state == PROVISIONING and not status.ready
    assert "waiting for machines" in status.detail


def lost_answer_cloud(google: GoogleServer, sleeps: list[float]) -> GcpCloud:
    return GcpCloud(
        credentials=AnonymousCredentials(),
        notebooks_api_url=google.url,
        dataproc_api_url=google.url,
        sleep=sleeps.append,
        request_timeout=2.0,
    )


@pytest.mark.parametrize("verb", ["stop", "start"])
def test_a_retried_start_or_stop_whose_first_answer_was_lost_is_recognised_by_google(
    verb: str, sleeps: list[float]
) -> None:
    # Google finishes at once and the answer is lost: the retry must not read as "already stopped".
    with GoogleServer(operation_polls=0) as google:
        google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING" if verb == "stop" else "STOPPED")
        google.add_fault(Fault.unavailable(times=1, method="POST", after_applying=True))
        cloud = lost_answer_cloud(google, sleeps)

        status = getattr(cloud, verb)(dataproc())

        assert status.state == (STOPPED if verb == "stop" else "ACTIVE")
        posts = google.calls_to(f"{CLUSTER}:{verb}", "POST")
        assert len(posts) == 2
        ids = [c.body["requestId"] for c in posts if c.body]
        assert len(ids) == 2 and ids[0] == ids[1]
        assert len(google.operations) == 1  # one operation, not a second one
        cloud.close()


def test_each_action_has_its_own_request_id_and_ids_fit_googles_rule(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")
    cloud.stop(dataproc())
    cloud.wait_for(dataproc(), STOPPED, timeout=60)
    cloud.start(dataproc())

    stop, start = (c.body["requestId"] for c in google.calls if c.method == "POST" and c.body)
    assert stop != start
    for request_id in (stop, start, dataproc_request_id("a logical action / with spaces and more than forty chars")):
        assert len(request_id) <= 40 and request_id.replace("-", "").replace("_", "").isalnum()
    assert dataproc_request_id("expire-r7k3m9qx2a") == "expire-r7k3m9qx2a"
    assert dataproc_request_id("x" * 50) == dataproc_request_id("x" * 50)


def test_a_retried_delete_carries_one_request_id_in_its_query(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")
    google.add_fault(Fault.unavailable(times=1, method="DELETE", after_applying=True))

    cloud.delete(dataproc())

    deletes = google.calls_to(CLUSTER, "DELETE")
    ids = [parse_qs(c.query)["requestId"][0] for c in deletes]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert len(google.operations) == 1
    assert cloud.wait_for(dataproc(), NOT_FOUND, timeout=60).state == NOT_FOUND


def test_workbench_start_sends_an_empty_request_as_its_api_defines() -> None:
    with GoogleServer() as google:
        google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
        cloud = lost_answer_cloud(google, [])
        cloud.start(workbench())
        (post,) = google.calls_to(":start", "POST")
        assert post.body == {}
        cloud.close()


def test_retries_back_off_exponentially_with_jitter_so_instances_do_not_retry_in_step() -> None:
    with GoogleServer() as google:
        google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
        waits: list[list[float]] = []
        for _ in range(2):
            sleeps: list[float] = []
            google.add_fault(Fault.unavailable(times=3))
            cloud = lost_answer_cloud(google, sleeps)
            cloud.status(workbench())
            cloud.close()
            waits.append(sleeps)

    for sleeps in waits:
        assert len(sleeps) == 3
        for attempt, slept in enumerate(sleeps):
            ceiling = 0.5 * 2**attempt
            assert ceiling / 2 <= slept <= ceiling
    assert waits[0] != waits[1]


def test_the_jitter_takes_at_most_half_of_the_backoff_off() -> None:
    sleeps: list[float] = []
    with GoogleServer() as google:
        google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
        for jitter, expected in ((0.0, [0.25, 0.5]), (1.0, [0.5, 1.0])):
            sleeps.clear()
            google.add_fault(Fault.unavailable(times=2))
            cloud = GcpCloud(
                credentials=AnonymousCredentials(),
                notebooks_api_url=google.url,
                sleep=sleeps.append,
                jitter=lambda j=jitter: j,
            )
            cloud.status(workbench())
            cloud.close()
            assert sleeps == expected
