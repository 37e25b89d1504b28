"""A personal Dataproc cluster as the user sees it: JupyterLab via Component Gateway, start, stop, delete."""

from __future__ import annotations

import pytest

from bot.cloud.base import (
    ACTIVE,
    DELETING,
    ERROR,
    NOT_FOUND,
    PROVISIONING,
    STARTING,
    STOPPED,
    STOPPING,
    CloudError,
)
from bot.cloud.gcp import GcpCloud
from tests.cloud.conftest import PROJECT, REGION, dataproc, workbench
from tests.support.google_server import GoogleServer

CLUSTER = f"/v1/projects/{PROJECT}/regions/{REGION}/clusters/alice-spark"


def test_a_running_cluster_links_to_jupyterlab_through_component_gateway(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")

    status = cloud.status(dataproc())

    assert status.state == ACTIVE and status.ready
    assert (
        status.url == "https://alice-spark-dot-europe-west1.dataproc.googleusercontent.com/gateway/default/jupyter/lab/"
    )
    assert [c.path for c in google.calls] == [CLUSTER]


def test_a_cluster_being_created_has_no_link_yet(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "CREATING")

    assert cloud.status(dataproc()).state == PROVISIONING
    assert cloud.status(dataproc()).url is None


def test_a_running_cluster_without_component_gateway_is_not_ready(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")
    google.clusters[(PROJECT, REGION, "alice-spark")]["config"]["endpointConfig"]["httpPorts"] = {}

    status = cloud.status(dataproc())

    assert status.state == ACTIVE and not status.ready and "Component Gateway" in status.detail


def test_a_failed_cluster_reads_as_error_with_google_detail(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")
    google.clusters[(PROJECT, REGION, "alice-spark")]["status"] = {
        "state": "ERROR",
        "detail": "Init action failed",
    }

    status = cloud.status(dataproc())

    assert status.state == ERROR and "Init action failed" in status.detail


def test_a_cluster_that_was_idle_deleted_is_not_found(cloud: GcpCloud) -> None:
    assert cloud.status(dataproc("gone-spark")).state == NOT_FOUND


def test_start_a_stopped_cluster_and_wait_until_it_runs(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "STOPPED")

    status = cloud.start(dataproc(), wait=True)

    assert status.ready
    assert google.calls[0].method == "POST" and google.calls[0].path == f"{CLUSTER}:start"
    assert google.calls_to(f"/v1/projects/{PROJECT}/regions/{REGION}/operations/", "GET")


def test_start_returns_starting_at_once(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "STOPPED")

    assert cloud.start(dataproc()).state == STARTING


def test_stop_a_running_cluster(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")

    assert cloud.stop(dataproc()).state == STOPPING
    assert cloud.wait_for(dataproc(), STOPPED, timeout=60).state == STOPPED


def test_stopping_a_stopped_cluster_says_it_is_already_stopped(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "STOPPED")

    with pytest.raises(CloudError, match="already stopped"):
        cloud.stop(dataproc())


def test_delete_a_cluster_and_wait_until_it_is_gone(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_cluster(PROJECT, REGION, "alice-spark", "RUNNING")

    assert cloud.delete(dataproc()).state == DELETING
    assert cloud.wait_for(dataproc(), NOT_FOUND, timeout=60).state == NOT_FOUND
    assert google.calls_to(CLUSTER, "DELETE")
    assert not google.clusters


def test_deleting_a_cluster_that_is_already_gone_is_not_an_error(cloud: GcpCloud) -> None:
    assert cloud.delete(dataproc("gone-spark")).state == NOT_FOUND


def test_workbench_instances_are_never_deleted_by_api(google: GoogleServer, cloud: GcpCloud) -> None:
    with pytest.raises(CloudError, match="removal pull request"):
        cloud.delete(workbench())
    assert google.calls == []
