"""When Google says no, or does not answer: what the user reads, and what the bot retries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.auth
import pytest
from google.auth.credentials import AnonymousCredentials
from google.oauth2.credentials import Credentials as OAuth2Credentials

from bot.cloud.base import ACTIVE, STARTING, CloudError
from bot.cloud.gcp import GcpCloud
from tests.cloud.conftest import PROJECT, ZONE, dataproc, workbench
from tests.support.google_server import Fault, GoogleServer

INSTANCE = f"/v2/projects/{PROJECT}/locations/{ZONE}/instances/alice-nb"


def test_google_unavailable_twice_is_retried_with_backoff(
    google: GoogleServer, cloud: GcpCloud, sleeps: list[float]
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
    google.add_fault(Fault.unavailable(times=2))

    assert cloud.status(workbench()).state == ACTIVE
    assert len(google.calls_to(INSTANCE)) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # exponential, less a random part


def test_google_unavailable_for_longer_gives_a_retriable_error(
    google: GoogleServer, cloud: GcpCloud, sleeps: list[float]
) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
    google.add_fault(Fault.unavailable(times=100))

    with pytest.raises(CloudError, match="not answering") as caught:
        cloud.status(workbench())
    assert caught.value.retriable
    assert len(google.calls) == 4 and len(sleeps) == 3  # bounded


def test_a_missing_permission_is_named(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.add_fault(Fault.permission_denied("notebooks.instances.start", method="POST"))

    with pytest.raises(CloudError) as caught:
        cloud.start(workbench())
    assert caught.value.message.startswith(
        f"The bot's service account lacks notebooks.instances.start on project {PROJECT}"
    )
    assert not caught.value.retriable
    assert len(google.calls) == 1  # a refusal is not retried


def test_a_missing_permission_is_named_from_the_message_alone(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_fault(
        Fault.permission_denied("dataproc.clusters.get", "//dataproc.googleapis.com/x", with_details=False)
    )

    with pytest.raises(CloudError, match=f"lacks dataproc.clusters.get on project {PROJECT}"):
        cloud.status(dataproc())


def test_an_exhausted_quota_is_reported_as_quota_not_retried(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.add_fault(Fault.quota_exceeded("NVIDIA_T4_GPUS", method="POST"))

    with pytest.raises(CloudError, match=r"NVIDIA_T4_GPUS.*quota") as caught:
        cloud.start(workbench())
    assert not caught.value.retriable
    assert len(google.calls) == 1


def test_a_rate_limit_is_waited_out(google: GoogleServer, cloud: GcpCloud, sleeps: list[float]) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
    google.add_fault(Fault.rate_limited(times=1))

    assert cloud.status(workbench()).state == ACTIVE
    assert len(sleeps) == 1


def test_a_google_that_does_not_answer_in_time_gives_a_retriable_error(
    google: GoogleServer, sleeps: list[float]
) -> None:
    gcp = GcpCloud(
        credentials=AnonymousCredentials(),
        notebooks_api_url=google.url,
        sleep=sleeps.append,
        request_timeout=0.1,
        retries=1,
    )
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
    google.add_fault(Fault.slow(0.4, times=None))

    with pytest.raises(CloudError, match="not answering") as caught:
        gcp.status(workbench())
    assert caught.value.retriable
    assert len(google.calls) == 2
    gcp.close()


def test_a_slow_answer_that_comes_in_time_is_fine(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")
    google.add_fault(Fault.slow(0.05))

    assert cloud.status(workbench()).ready


def test_nothing_listening_is_a_retriable_error(sleeps: list[float]) -> None:
    gcp = GcpCloud(
        credentials=AnonymousCredentials(),
        notebooks_api_url="http://127.0.0.1:9",
        sleep=sleeps.append,
        retries=2,
    )

    with pytest.raises(CloudError) as caught:
        gcp.status(workbench())
    assert caught.value.retriable and len(sleeps) == 2


@pytest.fixture
def no_adc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine with no Application Default Credentials at all, and not on Google Cloud."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("HOME", str(tmp_path))
    yield


def test_credentials_are_looked_up_on_first_call_not_at_construction(
    no_adc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[object] = []
    real_default = google.auth.default

    def recording_default(**kwargs: Any) -> Any:
        lookups.append(kwargs)
        return real_default(**kwargs)

    monkeypatch.setattr(google.auth, "default", recording_default)

    gcp = GcpCloud(notebooks_api_url="http://127.0.0.1:9")
    assert lookups == []

    with pytest.raises(CloudError, match="no Google credentials") as caught:
        gcp.status(workbench())
    assert lookups == [{"scopes": ["https://www.googleapis.com/auth/cloud-platform"]}]
    assert not caught.value.retriable


def test_given_credentials_are_used_for_every_call(google: GoogleServer, sleeps: list[float]) -> None:
    gcp = GcpCloud(credentials=OAuth2Credentials(token="test-token"), notebooks_api_url=google.url, sleep=sleeps.append)
    google.add_instance(PROJECT, ZONE, "alice-nb", "ACTIVE")

    gcp.status(workbench())

    assert google.calls[0].headers.get("authorization") == "Bearer test-token"
    gcp.close()


def test_a_start_whose_answer_was_lost_is_retried_without_a_false_alarm(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    google.add_fault(Fault.unavailable(times=1, method="POST", after_applying=True))

    status = cloud.start(workbench())

    assert status.state == STARTING
    assert len(google.calls_to(f"{INSTANCE}:start", "POST")) == 2


def test_a_second_start_click_while_it_is_starting_is_not_an_error(google: GoogleServer, cloud: GcpCloud) -> None:
    google.add_instance(PROJECT, ZONE, "alice-nb", "STOPPED")
    cloud.start(workbench())

    assert cloud.start(workbench()).state == STARTING
