"""Dataproc configuration is checked against the Dataproc API's own Cluster schema."""

from __future__ import annotations

import copy

import pytest

from renderers import RenderError, render_environment
from renderers import render as render_module
from renderers.dataproc_check import build_cluster_config, validate_cluster_config

# The shape of the 2023 sample's per-auth-cluster.yaml (Dataproc Hub template), with its two defects:
# a corrupted key and an image out of support since 2023.
SAMPLE_2023 = {
    "config": {
        "softwareConfig": {
            "imageVersion": "1.5-debian10",
            "optioimage-versionnalComponents": ["JUPYTER", "ANACONDA"],
            "properties": {"dataproc:dataproc.personal-auth.user": "alice@example.com"},
        },
        "endpointConfig": {"enableHttpPortAccess": True},
        "gceClusterConfig": {"zoneUri": "us-central1-a", "metadata": {"k": "v"}},
    }
}


def test_the_2023_templates_corrupted_key_is_reported_with_its_path() -> None:
    problems = validate_cluster_config(SAMPLE_2023)
    assert problems == [
        "config.softwareConfig.optioimage-versionnalComponents: unknown field (not in the Dataproc API)"
    ]


def test_with_the_key_fixed_the_retired_image_and_missing_settings_are_reported() -> None:
    fixed = copy.deepcopy(SAMPLE_2023)
    software = fixed["config"]["softwareConfig"]
    software["optionalComponents"] = software.pop("optioimage-versionnalComponents")
    problems = validate_cluster_config(fixed)
    assert any(p.startswith("config.softwareConfig.imageVersion: 1.5-debian10") for p in problems)
    assert any(p.startswith("config.lifecycleConfig.idleStopTtl") for p in problems)


def test_every_unknown_key_is_listed_not_just_the_first() -> None:
    config = {
        "config": {"masterConfig": {"machineType": "n2"}, "workerConfig": {"numInstance": 2}},
        "label": {},
    }
    problems = validate_cluster_config(config)
    assert len(problems) == 3
    assert "config.masterConfig.machineType: unknown field (not in the Dataproc API)" in problems


def test_wrongly_typed_values_are_reported() -> None:
    config = {"config": {"lifecycleConfig": {"idleDeleteTtl": "one hour"}}}
    (problem,) = validate_cluster_config(config)
    assert problem.startswith("not a valid Dataproc cluster")


@pytest.mark.parametrize("workers", [0, 2, 10])
def test_the_config_rendered_for_a_spec_is_a_valid_personal_jupyter_cluster(dataproc_spec, workers: int) -> None:
    spec = dataproc_spec(dataproc={"worker_count": workers}, display_name='odd "${name}"\n')
    config = build_cluster_config(spec)
    assert validate_cluster_config(config) == []
    software = config["config"]["softwareConfig"]
    assert software["imageVersion"] == "2.2-debian12"
    assert software["optionalComponents"] == ["JUPYTER"]
    assert software["properties"]["dataproc:dataproc.personal-auth.user"] == "alice@example.com"
    assert config["config"]["endpointConfig"] == {"enableHttpPortAccess": True}
    assert config["config"]["lifecycleConfig"] == {"idleStopTtl": "3600s"}
    assert "encryptionConfig" not in config["config"]
    assert ("workerConfig" in config["config"]) == (workers > 0)
    assert config["labels"]["managed-by"] == "notebook-bot"


def test_a_render_stops_when_the_api_check_fails(dataproc_spec, monkeypatch) -> None:
    def corrupted(spec):
        config = build_cluster_config(spec)
        config["config"]["softwareConfig"]["optioimage-versionnalComponents"] = ["JUPYTER"]
        return config

    monkeypatch.setattr(render_module, "build_cluster_config", corrupted)
    with pytest.raises(RenderError) as caught:
        render_environment(dataproc_spec())
    assert caught.value.fields == ["dataproc"]
    assert "optioimage-versionnalComponents" in str(caught.value)


def test_an_idle_cluster_stops_and_is_never_deleted_by_google(dataproc_spec) -> None:
    config = build_cluster_config(dataproc_spec())
    config["config"]["lifecycleConfig"]["idleDeleteTtl"] = "3600s"
    assert validate_cluster_config(config) == [
        "config.lifecycleConfig.idleDeleteTtl: must not be set; an idle cluster stops, and only the end of its "
        "lifetime deletes it (through its pull request)"
    ]
    del config["config"]["lifecycleConfig"]["idleStopTtl"]
    assert any(
        p.startswith("config.lifecycleConfig.idleStopTtl: must be between 600s")
        for p in validate_cluster_config(config)
    )


def test_a_customer_managed_key_encrypts_the_cluster_disks(dataproc_spec) -> None:
    key = "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks"
    config = build_cluster_config(dataproc_spec(dataproc={"kms_key": key}))
    assert config["config"]["encryptionConfig"] == {"gcePdKmsKeyName": key}
    assert validate_cluster_config(config) == []
