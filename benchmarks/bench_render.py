"""Render throughput on one core: ``python benchmarks/bench_render.py [--count N]``.

Renders a mix of workbench and dataproc environments (validation, sandboxed Jinja, Dataproc
API schema check included) and compares with a baseline measured in the same run: a plain
``str.format`` of the same module block, without validation, escaping or the sandbox.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from renderers import (
    DataprocSettings,
    EnvironmentSpec,
    Gpu,
    WorkbenchSettings,
    environment_name,
    render_environment,
)

BASELINE = """module "{name}" {{
  source = "../modules/workbench"

  name         = "{name}"
  project      = "{project}"
  region       = "{region}"
  zone         = "{zone}"
  owner_email  = "{email}"
  display_name = "{display_name}"

  machine_type = "{machine_type}"
  idle_minutes = {idle_minutes}

  labels = {{
    "owner"    = "{owner}"
    "template" = "{template}"
  }}
}}
"""


def make_specs(count: int) -> list[EnvironmentSpec]:
    """``count`` distinct environments, two in three workbench (a third of those with a GPU)."""
    specs = []
    for index in range(count):
        email = f"user{index}.o'neil@example.com"
        request_id = f"r{index:09d}"
        kind = "dataproc" if index % 3 == 2 else "workbench"
        common = {
            "name": environment_name(email, request_id, kind),
            "request_id": request_id,
            "owner_email": email,
            "template_id": f"tpl-{index % 5}",
            "kind": kind,
            "project": "acme-analytics",
            "region": "europe-west1",
            "labels": {"team": "ml", "cost-centre": "cc-42"},
            "display_name": f'Experiment #{index} "quoted" ${{not_a_var}}',
        }
        if kind == "workbench":
            gpu = Gpu("NVIDIA_TESLA_T4", 1) if index % 3 == 1 else None
            settings = WorkbenchSettings("europe-west1-b", "n1-standard-8", 180, gpu=gpu)
            specs.append(EnvironmentSpec(**common, workbench=settings))  # type: ignore[arg-type]
        else:
            workers = 2 * (index % 2)
            settings_dp = DataprocSettings(None, "n2-standard-4", "n2-standard-4", workers, "2.2", 3600)
            specs.append(EnvironmentSpec(**common, dataproc=settings_dp))  # type: ignore[arg-type]
    return specs


def time_each(function, items) -> list[float]:  # type: ignore[no-untyped-def]
    durations = []
    for item in items:
        start = time.perf_counter()
        function(item)
        durations.append(time.perf_counter() - start)
    return durations


def baseline(spec: EnvironmentSpec) -> str:
    return BASELINE.format(
        name=spec.name,
        project=spec.project,
        region=spec.region,
        zone="europe-west1-b",
        email=spec.owner_email,
        display_name=spec.display_name,
        machine_type="n1-standard-8",
        idle_minutes=180,
        owner=spec.owner_email,
        template=spec.template_id,
    )


def report(label: str, durations: list[float]) -> float:
    total = sum(durations)
    ordered = sorted(durations)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6
    rate = len(durations) / total
    print(f"{label:<28} {len(durations):>6} renders {rate:>10,.0f} env/s   p50 {p50:>8.1f} us   p99 {p99:>8.1f} us")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="environments to render (default 2000)")
    args = parser.parse_args()
    specs = make_specs(args.count)
    render_environment(specs[0])  # compile the templates outside the measurement
    rendered = time_each(render_environment, specs)
    plain = time_each(baseline, specs)
    workbench = [d for d, spec in zip(rendered, specs, strict=True) if spec.kind == "workbench"]
    dataproc = [d for d, spec in zip(rendered, specs, strict=True) if spec.kind == "dataproc"]
    print(f"render_environment benchmark, one core: {len(workbench)} workbench + {len(dataproc)} dataproc")
    ours = report("render_environment (all)", rendered)
    report("  workbench", workbench)
    report("  dataproc (+ API check)", dataproc)
    base = report("baseline str.format", plain)
    print(f"ratio: render_environment is {base / ours:,.1f}x slower than the unvalidated baseline")
    print(f"time for {args.count} environments: {sum(rendered):.2f} s (baseline {sum(plain):.3f} s)")


if __name__ == "__main__":
    main()
