"""Fixtures: a loopback Google and a GcpCloud aimed at it (anonymous credentials, no real sleeping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.base import CloudEnvironment
from bot.cloud.gcp import GcpCloud
from tests.support.google_server import GoogleServer

PROJECT = "acme-analytics"
ZONE = "europe-west1-b"
REGION = "europe-west1"


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    with GoogleServer(operation_polls=2) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def cloud(google: GoogleServer, sleeps: list[float]) -> Iterator[GcpCloud]:
    gcp = GcpCloud(
        credentials=AnonymousCredentials(),
        notebooks_api_url=google.url,
        dataproc_api_url=google.url,
        sleep=sleeps.append,
        request_timeout=2.0,
    )
    yield gcp
    gcp.close()


def workbench(name: str = "alice-nb") -> CloudEnvironment:
    return CloudEnvironment("workbench", PROJECT, ZONE, name)


def dataproc(name: str = "alice-spark") -> CloudEnvironment:
    return CloudEnvironment("dataproc", PROJECT, REGION, name)
