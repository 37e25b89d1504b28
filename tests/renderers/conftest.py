"""Shared spec builders for the renderer tests.

Factories are session-scoped fixtures (not a helper module) so that they work whatever import
mode pytest uses, and so hypothesis tests may use them.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# Until the project is installed (pip install -e .), make `import renderers` work from here.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from renderers import (  # noqa: E402
    DataprocSettings,
    EnvironmentSpec,
    Gpu,
    RenderError,
    WorkbenchSettings,
    environment_name,
)

SpecFactory = Callable[..., EnvironmentSpec]


def _name(email: str, request_id: str, kind: str) -> str:
    try:
        return environment_name(email, request_id, kind)
    except RenderError:  # a test about a bad email or request id: any valid name will do
        return "nb-placeholder-aaaaaaaaaa"


def _base(kind: str, email: str, request_id: str) -> dict[str, Any]:
    return {
        "name": _name(email, request_id, kind),
        "request_id": request_id,
        "owner_email": email,
        "template_id": "cpu-small" if kind == "workbench" else "spark-small",
        "kind": kind,
        "project": "acme-analytics",
        "region": "europe-west1",
        "labels": {"team": "ml-platform", "cost-centre": "cc-4711"},
        "display_name": "Churn model",
    }


def _build(kind: str, settings: Any, overrides: dict[str, Any]) -> EnvironmentSpec:
    email = overrides.get("owner_email", "alice@example.com")
    request_id = overrides.get("request_id", "r7k3m9qx2a")
    fields = _base(kind, email, request_id)
    settings_overrides = overrides.pop(kind, {})
    if isinstance(settings_overrides, dict):
        settings = dataclasses.replace(settings, **settings_overrides)
    else:
        settings = settings_overrides
    fields.update(overrides)
    fields[kind] = settings
    return EnvironmentSpec(**fields)


@pytest.fixture(scope="session")
def workbench_spec() -> SpecFactory:
    """``workbench_spec(display_name=..., workbench={"gpu": Gpu(...)})`` → a valid workbench spec."""

    def build(**overrides: Any) -> EnvironmentSpec:
        settings = WorkbenchSettings(zone="europe-west1-b", machine_type="e2-standard-4", idle_minutes=180)
        return _build("workbench", settings, overrides)

    return build


@pytest.fixture(scope="session")
def dataproc_spec() -> SpecFactory:
    """``dataproc_spec(dataproc={"worker_count": 2})`` → a valid dataproc spec."""

    def build(**overrides: Any) -> EnvironmentSpec:
        settings = DataprocSettings(
            zone="europe-west1-c",
            master_machine_type="n2-standard-4",
            worker_machine_type="n2-standard-4",
            worker_count=0,
            image_version="2.2",
            idle_stop_ttl_seconds=3600,
        )
        return _build("dataproc", settings, overrides)

    return build


@pytest.fixture(scope="session")
def terraform() -> str:
    """Path of the terraform binary; tests that need it skip when it is not installed."""
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform is not installed")
    return path


__all__ = ["REPO_ROOT", "Gpu", "SpecFactory"]
