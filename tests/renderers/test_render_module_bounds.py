"""The bot and the modules agree on every bound: what the renderer (and so check-config) accepts, the modules'
own variable validations accept, and what it refuses they refuse too. Proved with real Terraform: a
variables-only copy of each module plans offline and evaluates its validations on the rendered values."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import load_policy
from bot.config.specs import Choices, environment_spec_for
from renderers import EnvironmentSpec, Gpu, render_environment
from renderers.bounds import DATAPROC_BOUNDS, WORKBENCH_BOUNDS, WORKBENCH_GPU_TYPES
from renderers.readback import parse_rendered
from renderers.validation import validate_spec

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "deploy" / "terraform" / "modules"
KEY = "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks"


class VariablesOnly:
    """A module's variables.tf alone: ``plan`` checks values against its validations, with no provider."""

    def __init__(self, terraform: str, kind: str, tmp_path: Path) -> None:
        self.terraform = terraform
        self.root = tmp_path / kind
        self.root.mkdir()
        shutil.copy(MODULES / kind / "variables.tf", self.root / "variables.tf")

    def plan(self, values: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        (self.root / "values.tfvars.json").write_text(json.dumps(values), encoding="utf-8")
        return subprocess.run(
            [self.terraform, "plan", "-input=false", "-no-color", "-lock=false", "-var-file=values.tfvars.json"],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def refused(self, values: dict[str, Any]) -> set[str]:
        """The variables Terraform refuses in ``values`` (empty when the plan succeeds)."""
        done = self.plan(values)
        refused = set(re.findall(r"var\.(\w+) is ", done.stdout + done.stderr))
        assert (done.returncode == 0) == (not refused), done.stdout + done.stderr
        return refused


def rendered_values(spec: EnvironmentSpec) -> dict[str, Any]:
    """The module arguments of the rendered file, as Terraform will receive them."""
    (module,) = parse_rendered(render_environment(spec).files[0].content)
    return {k: v for k, v in module.arguments.items() if k not in ("source", "version")}


def with_settings(spec: EnvironmentSpec, **changes: Any) -> EnvironmentSpec:
    settings = spec.workbench if spec.kind == "workbench" else spec.dataproc
    return dataclasses.replace(spec, **{spec.kind: dataclasses.replace(settings, **changes)})


def _workbench_edges(low: bool) -> dict[str, Any]:
    edges = {name: bounds[0 if low else 1] for name, bounds in WORKBENCH_BOUNDS.items()}
    count = edges.pop("gpu_count")
    return {**edges, "gpu": Gpu("NVIDIA_L4", count) if count else None}


@pytest.mark.parametrize("edge", ["lowest", "highest"])
def test_values_at_the_renderers_bounds_render_and_pass_the_workbench_modules_validations(
    terraform: str, tmp_path: Path, workbench_spec, edge: str
) -> None:
    spec = with_settings(workbench_spec(), **_workbench_edges(edge == "lowest"), kms_key=KEY, secure_boot=False)
    values = rendered_values(spec)
    assert VariablesOnly(terraform, "workbench", tmp_path).refused(values) == set()


@pytest.mark.parametrize("edge", ["lowest", "highest"])
def test_values_at_the_renderers_bounds_render_and_pass_the_dataproc_modules_validations(
    terraform: str, tmp_path: Path, dataproc_spec, edge: str
) -> None:
    edges = {name: bounds[0 if edge == "lowest" else 1] for name, bounds in DATAPROC_BOUNDS.items()}
    spec = with_settings(dataproc_spec(), **edges, kms_key=KEY)
    assert VariablesOnly(terraform, "dataproc", tmp_path).refused(rendered_values(spec)) == set()


@pytest.mark.parametrize("kind", ["workbench", "dataproc"])
def test_one_step_past_each_bound_both_sides_refuse(
    terraform: str, tmp_path: Path, workbench_spec, dataproc_spec, kind: str
) -> None:
    spec = workbench_spec() if kind == "workbench" else dataproc_spec()
    bounds = WORKBENCH_BOUNDS if kind == "workbench" else DATAPROC_BOUNDS
    module = VariablesOnly(terraform, kind, tmp_path)
    base = rendered_values(spec)
    for beyond in ("below", "above"):
        past = {name: (low - 1 if beyond == "below" else high + 1) for name, (low, high) in bounds.items()}
        assert module.refused({**base, **past}) == set(past), beyond
        for name, value in past.items():
            if kind == "workbench" and name == "gpu_count":
                changed = with_settings(spec, gpu=Gpu("NVIDIA_L4", value))
                field = "workbench.gpu.count"
            else:
                changed = with_settings(spec, **{name: value})
                field = f"{kind}.{name}"
            assert field in [p.field for p in validate_spec(changed)], (name, value)


def test_a_one_worker_cluster_is_refused_by_both(terraform: str, tmp_path: Path, dataproc_spec) -> None:
    module = VariablesOnly(terraform, "dataproc", tmp_path)
    assert module.refused({**rendered_values(dataproc_spec()), "worker_count": 1}) == {"worker_count"}
    assert "dataproc.worker_count" in [p.field for p in validate_spec(with_settings(dataproc_spec(), worker_count=1))]


def test_gpu_types_and_kms_keys_are_the_same_on_both_sides(terraform: str, tmp_path: Path, workbench_spec) -> None:
    text = (MODULES / "workbench" / "variables.tf").read_text(encoding="utf-8")
    listed = re.search(r"contains\(\[(.*?)\], var\.gpu_type\)", text, re.S)
    assert listed is not None
    assert tuple(re.findall(r'"(NVIDIA_\w+)"', listed.group(1))) == WORKBENCH_GPU_TYPES
    module = VariablesOnly(terraform, "workbench", tmp_path)
    base = rendered_values(workbench_spec())
    assert module.refused({**base, "gpu_type": "NVIDIA_X", "gpu_count": 1, "kms_key": "my-key"}) == {
        "gpu_type",
        "kms_key",
    }
    bad = with_settings(workbench_spec(), gpu=Gpu("NVIDIA_X", 1), kms_key="my-key")
    assert {"workbench.gpu.type", "workbench.kms_key"} <= {p.field for p in validate_spec(bad)}
    dataproc = VariablesOnly(terraform, "dataproc", tmp_path)
    assert "kms_key" in dataproc.refused(
        {"name": "nb-a", "project": "p", "region": "r", "owner_email": "a@b.co", "kms_key": "k"}
    )


@pytest.mark.parametrize("shipped", ["deploy/policy.example.yaml", "bot/defaults/policy.yaml"])
def test_every_template_of_the_shipped_policies_passes_the_modules_validations_at_every_edge(
    terraform: str, tmp_path: Path, shipped: str
) -> None:
    policy = load_policy(ROOT / shipped)
    modules = {kind: VariablesOnly(terraform, kind, tmp_path) for kind in ("workbench", "dataproc")}
    for template in policy.templates:
        idle = policy.bound(template, "idle_minutes")
        workers = policy.bound(template, "worker_count") if template.kind == "dataproc" else None
        for minutes, count in [
            (idle.min, workers.min if workers else None),
            (idle.max, workers.max if workers else None),
        ]:
            choices = Choices("nb-alice-aaaaaaaaaa", "r1", "alice@example.com", "x", minutes, worker_count=count)
            values = rendered_values(environment_spec_for(template, policy, choices))
            assert modules[template.kind].refused(values) == set(), template.id
