"""Rendered files, byte for byte, for every kind and option (regenerate with UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from renderers import EnvironmentSpec, Gpu, render_environment

GOLDEN = Path(__file__).parent / "golden"
Case = Callable[[Callable[..., EnvironmentSpec], Callable[..., EnvironmentSpec]], tuple[EnvironmentSpec, int]]

CASES: dict[str, tuple[Case, str]] = {
    "workbench_cpu": (
        lambda wb, dp: (wb(expires_at="2026-03-31"), 0),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "workbench_gpu": (
        lambda wb, dp: (
            wb(
                template_id="gpu-t4",
                workbench={
                    "machine_type": "n1-standard-8",
                    "gpu": Gpu("NVIDIA_TESLA_T4", 1),
                    "image_project": "deeplearning-platform-release",
                    "image_family": "common-cu123-notebooks",
                    "boot_disk_gb": 200,
                    "secure_boot": False,
                    "kms_key": "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks",
                },
            ),
            0,
        ),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "workbench_spark_serverless": (
        lambda wb, dp: (
            wb(
                workbench={
                    "spark_serverless": True,
                    "network": "notebooks",
                    "subnet": "projects/acme-net/regions/europe-west1/subnetworks/notebooks-ew1",
                    "idle_minutes": 60,
                }
            ),
            0,
        ),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "dataproc_single_node": (
        lambda wb, dp: (dp(), 0),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "dataproc_workers": (
        lambda wb, dp: (
            dp(
                owner_email="bob.smith@example.org",
                request_id="q4p7x2m9ha",
                display_name="",
                dataproc={
                    "zone": None,
                    "worker_count": 4,
                    "worker_machine_type": "n2-highmem-8",
                    "image_version": "2.3",
                    "subnet": "dataproc-ew1",
                    "service_account": "dataproc-vm@acme-analytics.iam.gserviceaccount.com",
                    "kms_key": "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks",
                    "idle_stop_ttl_seconds": 7200,
                },
            ),
            0,
        ),
        "environments/nb-bob-smith-cp4rzon5ij.tf",
    ),
    "remote_git_source": (
        lambda wb, dp: (
            wb(
                module_source="git::https://github.com/acme/tf-modules.git//notebook-bot",
                module_version="v1.4.0",
            ),
            0,
        ),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "remote_registry_source": (
        lambda wb, dp: (dp(module_source="acme/notebook-bot/google", module_version="~> 1.4"), 0),
        "environments/nb-alice-yuihbfkuhi.tf",
    ),
    "sharded_layout": (
        lambda wb, dp: (wb(), 16),
        "environments/shard-13/nb-alice-yuihbfkuhi.tf",
    ),
}


def _render(name: str, workbench_spec: Callable[..., EnvironmentSpec], dataproc_spec: Callable[..., EnvironmentSpec]):
    build, _ = CASES[name]
    spec, shards = build(workbench_spec, dataproc_spec)
    return render_environment(spec, shards=shards)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_file_matches_golden_byte_for_byte(case: str, workbench_spec, dataproc_spec) -> None:
    rendered = _render(case, workbench_spec, dataproc_spec)
    (file,) = rendered.files
    golden = GOLDEN / f"{case}.tf"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(file.content, encoding="utf-8", newline="\n")
    assert file.path == CASES[case][1]
    assert file.content == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendering_twice_gives_the_same_bytes(case: str, workbench_spec, dataproc_spec) -> None:
    first = _render(case, workbench_spec, dataproc_spec)
    second = _render(case, workbench_spec, dataproc_spec)
    assert first == second


def test_golden_files_are_already_terraform_fmt_clean(terraform: str) -> None:
    goldens = sorted(GOLDEN.glob("*.tf"))
    assert len(goldens) == len(CASES)
    result = subprocess.run(
        [terraform, "fmt", "-check", "-list=true", *map(str, goldens)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"not fmt-clean: {result.stdout}{result.stderr}"


def test_fmt_check_would_notice_a_misaligned_file(terraform: str, tmp_path: Path) -> None:
    content = (GOLDEN / "workbench_cpu.tf").read_text(encoding="utf-8").replace("  name         =", "  name =")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-"], input=content, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
