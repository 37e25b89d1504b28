"""doctor's Google half: the APIs are enabled, the bot's permissions are there, the subnet reaches Google."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config.load import parse_policy
from tests.doctor.conftest import POLICY, World
from tests.support.google_server import Fault


def test_a_disabled_api_fails_with_the_command_that_enables_it(world: World) -> None:
    world.google.setup.enabled["acme-analytics"].discard("dataproc.googleapis.com")
    assert world.doctor() == 1
    assert world.line("dataproc.googleapis.com") == (
        "✗ Google: dataproc.googleapis.com is not enabled on acme-analytics — fix: "
        "gcloud services enable dataproc.googleapis.com --project=acme-analytics"
    )
    assert world.line("notebooks.googleapis.com").startswith("✓")


def test_a_403_from_service_usage_says_which_role_reads_it(world: World) -> None:
    world.google.add_fault(
        Fault.permission_denied("serviceusage.services.get", "projects/acme-analytics", path_contains="/services/")
    )
    assert world.doctor() == 1
    line = world.line("compute.googleapis.com")
    assert line.startswith("✗ Google: cannot tell whether compute.googleapis.com is enabled on acme-analytics")
    assert "PERMISSION_DENIED" in line and "roles/serviceusage.serviceUsageViewer" in line


def test_missing_permissions_are_listed_with_the_role_that_grants_them(world: World) -> None:
    world.google.setup.granted["acme-analytics"] -= {"notebooks.instances.start", "dataproc.clusters.stop"}
    assert world.doctor() == 1
    line = world.line("permission(s)")
    assert line.startswith(
        "✗ Google: the bot lacks 2 permission(s) on acme-analytics: dataproc.clusters.stop, notebooks.instances.start"
    )
    assert "notebookBotEnvironmentOperator" in line
    world.google.setup.granted["acme-analytics"] = set()  # Google leaves the empty list out of its answer
    assert world.doctor() == 1
    assert "lacks 10 permission(s)" in world.line("permission(s)")


def test_a_subnet_without_private_google_access_is_a_warning_with_the_command(world: World) -> None:
    world.google.setup.add_subnet("acme-analytics", "europe-west1", "notebooks", private_google_access=False)
    assert world.doctor() == 0
    line = world.line("subnet notebooks")
    assert line.startswith("⚠ Google: subnet notebooks (europe-west1) has no Private Google Access")
    assert "--enable-private-ip-google-access" in line


def test_a_configured_subnet_that_does_not_exist_fails(world: World) -> None:
    policy = parse_policy(
        POLICY.replace("subnet: notebooks", "subnet: projects/acme-net/regions/europe-west1/subnetworks/nb")
    )
    assert world.doctor(policy) == 1
    assert world.line("subnet nb").startswith("✗ Google: cannot read subnet nb in acme-net/europe-west1 (NOT_FOUND)")
    assert world.google.calls_to("/compute/v1/projects/acme-net/regions/europe-west1/subnetworks/nb")


@pytest.mark.firestore
def test_a_firestore_store_needs_the_firestore_api_in_its_own_project(
    world: World, firestore_emulator_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator_process.host)
    world.google.setup.enabled["acme-state"] = set()
    assert world.doctor(NOTEBOOK_BOT_STORE="firestore://acme-state") == 1
    assert world.line("Store: firestore://acme-state answers").startswith("✓")
    assert world.line("firestore.googleapis.com").startswith(
        "✗ Google: firestore.googleapis.com is not enabled on acme-state"
    )
