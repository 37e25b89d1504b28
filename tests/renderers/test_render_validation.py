"""Bad input is refused before rendering, with every problem named by its field."""

from __future__ import annotations

import dataclasses

import pytest

from renderers import DataprocSettings, FieldProblem, Gpu, RenderError, WorkbenchSettings, render_environment


def _problems(spec, **kwargs) -> dict[str, str]:
    with pytest.raises(RenderError) as caught:
        render_environment(spec, **kwargs)
    return {problem.field: problem.message for problem in caught.value.problems}


def test_every_problem_is_reported_at_once_one_line_each(workbench_spec) -> None:
    spec = workbench_spec(
        owner_email="not-an-email",
        template_id="Bad Template",
        project="x",
        workbench={"machine_type": "E2 STANDARD", "idle_minutes": 5, "gpu": Gpu("tesla", 9)},
    )
    with pytest.raises(RenderError) as caught:
        render_environment(spec)
    error = caught.value
    assert set(error.fields) >= {
        "owner_email",
        "template_id",
        "project",
        "workbench.machine_type",
        "workbench.idle_minutes",
        "workbench.gpu.type",
        "workbench.gpu.count",
    }
    lines = str(error).splitlines()
    assert len(lines) == len(error.problems)
    assert "owner_email: must be an email address such as alice@example.com" in lines


def test_render_error_needs_problems_and_formats_them() -> None:
    error = RenderError([FieldProblem("a", "is wrong"), FieldProblem("b.c", "too big")])
    assert str(error) == "a: is wrong\nb.c: too big"
    assert isinstance(error, ValueError)
    with pytest.raises(ValueError):
        RenderError([])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"zone": "us-east1-b"}, "workbench.zone"),
        ({"idle_minutes": 1441}, "workbench.idle_minutes"),
        ({"idle_minutes": True}, "workbench.idle_minutes"),
        ({"boot_disk_gb": 20}, "workbench.boot_disk_gb"),
        ({"image_family": "tf-latest-cpu"}, "workbench.image_family"),
        ({"network": "vpc"}, "workbench.subnet"),
        ({"disable_public_ip": "yes"}, "workbench.disable_public_ip"),
        ({"gpu": Gpu("NVIDIA_TESLA_T4", 0)}, "workbench.gpu.count"),
        ({"gpu": Gpu("NVIDIA_X", 1)}, "workbench.gpu.type"),
        ({"boot_disk_gb": 65_000}, "workbench.boot_disk_gb"),
        ({"kms_key": "projects/acme/keyRings/r"}, "workbench.kms_key"),
    ],
)
def test_workbench_settings_out_of_bounds_are_named(workbench_spec, overrides, field) -> None:
    assert field in _problems(workbench_spec(workbench=overrides))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"worker_count": 1}, "dataproc.worker_count"),
        ({"image_version": "1.5"}, "dataproc.image_version"),
        ({"image_version": "2.1-debian11"}, "dataproc.image_version"),
        ({"idle_stop_ttl_seconds": 599}, "dataproc.idle_stop_ttl_seconds"),
        ({"master_disk_gb": 64_001}, "dataproc.master_disk_gb"),
        ({"worker_count": 1001}, "dataproc.worker_count"),
        ({"kms_key": "my-key"}, "dataproc.kms_key"),
        ({"idle_stop_ttl_seconds": 1_209_601}, "dataproc.idle_stop_ttl_seconds"),
        ({"zone": "us-central1-a"}, "dataproc.zone"),
        ({"network": "vpc", "subnet": "sub"}, "dataproc.subnet"),
        ({"service_account": "someone@example.com"}, "dataproc.service_account"),
    ],
)
def test_dataproc_settings_out_of_bounds_are_named(dataproc_spec, overrides, field) -> None:
    assert field in _problems(dataproc_spec(dataproc=overrides))


def test_settings_must_match_the_kind(workbench_spec) -> None:
    dataproc = DataprocSettings(None, "n2-standard-4", "n2-standard-4", 0, "2.2", 3600)
    spec = dataclasses.replace(workbench_spec(), kind="dataproc", dataproc=dataproc)
    problems = _problems(spec)
    assert "workbench" in problems  # present although the kind is dataproc
    spec = dataclasses.replace(workbench_spec(), workbench=None)
    assert _problems(spec) == {"workbench": "settings are required for a workbench environment"}
    spec = dataclasses.replace(workbench_spec(), kind="notebook")
    assert "kind" in _problems(spec)


def test_reserved_labels_cannot_be_overridden_and_keys_are_checked(workbench_spec) -> None:
    problems = _problems(workbench_spec(labels={"owner": "mallory", "Team": "x", "ok": "Not Valid"}))
    assert problems["labels.owner"] == "is set by notebook-bot and cannot be overridden"
    assert "labels.Team" in problems
    assert "labels.ok" in problems


def test_display_name_is_free_text_up_to_ten_thousand_characters(workbench_spec) -> None:
    render_environment(workbench_spec(display_name="x" * 10_000))
    assert "display_name" in _problems(workbench_spec(display_name="x" * 10_001))
    assert "display_name" in _problems(workbench_spec(display_name="bad \ud800 surrogate"))


def test_expiry_must_be_a_real_date(workbench_spec) -> None:
    assert "expires_at" in _problems(workbench_spec(expires_at="2026-02-30"))
    assert "expires_at" in _problems(workbench_spec(expires_at="2026-03-31\n# injected"))
    content = render_environment(workbench_spec(expires_at="2026-03-31")).files[0].content
    assert "# Expires 2026-03-31 unless extended" in content


def test_layout_problems_are_reported_with_the_spec_problems(workbench_spec) -> None:
    problems = _problems(workbench_spec(project="x"), path_template="/abs/{name}.tf")
    assert {"project", "path_template"} <= set(problems)
    assert "path_template" in _problems(workbench_spec(), path_template="envs/{name.__class__}.tf")
    assert "path_template" in _problems(workbench_spec(), path_template="envs/{name}.txt")
    assert "path_template" in _problems(workbench_spec(), path_template="../{name}.tf")
    assert "path_template" in _problems(workbench_spec(), path_template="envs/fixed.tf")
    assert "shards" in _problems(workbench_spec(), shards=-1)
    assert "shards" in _problems(workbench_spec(), path_template="s{shard}/{name}.tf")
    assert "path_template" in _problems(workbench_spec(), path_template="envs/{name}.tf", shards=4)


def test_module_source_and_version_are_checked(workbench_spec) -> None:
    assert "module_source" in _problems(workbench_spec(module_source='modules"; evil'))
    assert "module_source" in _problems(workbench_spec(module_source="../outside"))
    assert "module_version" in _problems(
        workbench_spec(module_source="git::https://github.com/acme/m.git?ref=v1", module_version="v2")
    )
    assert "module_version" in _problems(
        workbench_spec(module_source="git::https://github.com/acme/m.git", module_version="v1 && rm")
    )


def test_wrong_python_types_are_problems_not_crashes(workbench_spec) -> None:
    spec = dataclasses.replace(workbench_spec(), labels=["team"], display_name=None)  # type: ignore[arg-type]
    assert {"labels", "display_name"} <= set(_problems(spec))
    spec = dataclasses.replace(workbench_spec(), workbench={"zone": "europe-west1-b"})  # type: ignore[arg-type]
    assert "workbench" in _problems(spec)
    assert isinstance(workbench_spec().workbench, WorkbenchSettings)
