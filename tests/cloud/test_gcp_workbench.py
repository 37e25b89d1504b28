"""A Workbench instance as the user sees it: its state, its JupyterLab link, starting and stopping it."""

from __future__ import annotations

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.base import ACTIVE, NOT_FOUND, PROVISIONING, STARTING, STOPPED, STOPPING, CloudError
from bot.cloud.gcp import GcpCloud
from tests.cloud.conftest import PROJECT, ZONE, workbench
from tests.support.google_server import GoogleServer


def test_an_active_instance_links_to_jupyterlab_through_its_proxy(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(
        PROJECT,
        ZONE,
        "alice-nb",
        "ACTIVE",
        proxyUri="abc123-dot-europe-west1.notebooks.googleusercontent.com",
    )

    status = cloud.status(workbench())

    assert status.state == ACTIVE
    assert status.url == "https://abc123-dot-europe-west1.notebooks.googleusercontent.com"
    assert status.ready
    assert google.calls_to(f"/v2/projects/{PROJECT}/locations/{ZONE}/instances/alice-nb", "GET")


def test_a_provisioning_instance_has_no_link_yet(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "PROVISIONING")

    status = cloud.status(workbench())

    assert (status.state, status.url) == (PROVISIONING, None)
    assert not status.ready


def test_an_active_instance_without_a_proxy_yet_is_not_ready(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.instances[(PROJECT, ZONE, "alice-nb")]["state"] = "ACTIVE"  # proxy not registered yet

    status = cloud.status(workbench())

    assert status.state == ACTIVE and status.url is None and not status.ready
    assert "not ready" in status.detail


@pytest.mark.parametrize(
    ("google_state", "ours"),
    [
        ("SUSPENDED", STOPPED),
        ("SUSPENDING", STOPPING),
        ("INITIALIZING", PROVISIONING),
        ("DELETED", NOT_FOUND),
    ],
)
def test_every_google_state_reads_as_one_of_ours(
    google: GoogleServer, cloud: GcpCloud, google_state: str, ours: str
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.instances[(PROJECT, ZONE, "alice-nb")]["state"] = google_state

    assert cloud.status(workbench()).state == ours


def test_an_instance_google_does_not_know_is_not_found(cloud: GcpCloud) -> None:
    status = cloud.status(workbench("nobody-nb"))

    assert status.state == NOT_FOUND and status.gone


def test_start_returns_at_once_while_google_starts_it(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")

    status = cloud.start(workbench())

    assert status.state == STARTING and status.url is None
    assert [c.path for c in google.calls] == [f"/v2/projects/{PROJECT}/locations/{ZONE}/instances/alice-nb:start"]
    assert google.calls[0].method == "POST"


def test_start_and_wait_polls_the_operation_until_the_instance_is_active(
    google: GoogleServer, cloud: GcpCloud, sleeps: list[float]
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")

    status = cloud.start(workbench(), wait=True)

    assert status.state == ACTIVE and status.url and status.url.startswith("https://alice-nb-dot-")
    operation_polls = google.calls_to(f"/v2/projects/{PROJECT}/locations/{ZONE}/operations/", "GET")
    assert len(operation_polls) == 2
    assert len(sleeps) == 2  # paced by the injected sleep, not by the wall clock


def test_the_background_wait_follows_the_instance_until_it_is_active(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    cloud.start(workbench())

    status = cloud.wait_for(workbench(), ACTIVE, timeout=60)

    assert status.ready


def test_stop_then_wait_for_stopped(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")

    assert cloud.stop(workbench()).state == STOPPING
    assert cloud.wait_for(workbench(), STOPPED, timeout=60).state == STOPPED
    assert google.instances[(PROJECT, ZONE, "alice-nb")]["state"] == "STOPPED"


def test_starting_a_running_instance_says_it_already_runs(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")

    with pytest.raises(CloudError, match="Workbench instance alice-nb is already running") as caught:
        cloud.start(workbench())
    assert not caught.value.retriable


def test_starting_an_instance_that_does_not_exist_says_so(cloud: GcpCloud) -> None:
    with pytest.raises(CloudError, match="does not exist"):
        cloud.start(workbench("nobody-nb"))


def test_a_start_whose_operation_fails_on_quota_names_the_quota(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.next_operation_error = {
        "code": 8,
        "message": "Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in region europe-west1.",
    }

    with pytest.raises(CloudError, match="quota"):
        cloud.start(workbench(), wait=True)
    assert cloud.status(workbench()).state == STOPPED


def test_a_failed_start_ends_the_background_wait_early(
    google: GoogleServer, cloud: GcpCloud, sleeps: list[float]
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.next_operation_error = {"code": 8, "message": "ZONE_RESOURCE_POOL_EXHAUSTED"}
    cloud.start(workbench())

    status = cloud.wait_for(workbench(), ACTIVE, timeout=3600)

    assert status.state == STOPPED
    assert len(sleeps) < 10


def test_an_operation_that_never_finishes_gives_up_with_a_retriable_error(google: GoogleServer) -> None:
    now = [0.0]
    gcp = GcpCloud(
        credentials=AnonymousCredentials(),
        notebooks_api_url=google.url,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        operation_timeout=120,
    )
    google.operation_polls = 10_000
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")

    with pytest.raises(CloudError, match="has not finished") as caught:
        gcp.start(workbench(), wait=True)
    assert caught.value.retriable
    assert now[0] >= 120
    gcp.close()


def test_the_background_wait_for_active_waits_for_the_jupyterlab_link(google: GoogleServer) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    instance = google.instances[(PROJECT, ZONE, "alice-nb")]
    instance["state"] = "ACTIVE"  # running, but the proxy has not registered yet
    proxies = iter([None, None, "late-dot-europe-west1.notebooks.googleusercontent.com"])

    def time_passes(_: float) -> None:  # the proxy registers while the bot waits
        proxy = next(proxies)
        if proxy:
            instance["proxyUri"] = proxy

    gcp = GcpCloud(credentials=AnonymousCredentials(), notebooks_api_url=google.url, sleep=time_passes)

    status = gcp.wait_for(workbench(), ACTIVE, timeout=600)

    assert status.url == "https://late-dot-europe-west1.notebooks.googleusercontent.com"
    gcp.close()
