"""What the renderers take (an environment spec) and what they give back (files).

Plain frozen values: the bot builds them from a request and its template, the renderer
validates them (``renderers.validation``) before turning them into Terraform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["workbench", "dataproc"]
KINDS: tuple[Kind, ...] = ("workbench", "dataproc")


@dataclass(frozen=True)
class Gpu:
    """Accelerators attached to a Workbench instance, e.g. ``Gpu("NVIDIA_TESLA_T4", 1)``."""

    type: str
    count: int = 1


@dataclass(frozen=True)
class WorkbenchSettings:
    """Shape of a Vertex AI Workbench instance (kind ``workbench``).

    There is no service account: with managed end-user credentials Workbench refuses a custom one.
    ``secure_boot`` must be off for GPU images whose drivers are not signed; ``kms_key`` (a Cloud KMS
    key) encrypts the disks with a customer-managed key.
    """

    zone: str
    machine_type: str
    idle_minutes: int
    gpu: Gpu | None = None
    boot_disk_gb: int = 150
    data_disk_gb: int = 100
    image_project: str | None = None
    image_family: str | None = None
    disable_public_ip: bool = True
    network: str | None = None
    subnet: str | None = None
    spark_serverless: bool = False
    secure_boot: bool = True
    kms_key: str | None = None


@dataclass(frozen=True)
class DataprocSettings:
    """Shape of a personal-auth Dataproc cluster (kind ``dataproc``); its region is the spec's."""

    zone: str | None
    master_machine_type: str
    worker_machine_type: str
    worker_count: int
    image_version: str
    idle_stop_ttl_seconds: int
    master_disk_gb: int = 100
    worker_disk_gb: int = 100
    network: str | None = None
    subnet: str | None = None
    service_account: str | None = None
    kms_key: str | None = None


@dataclass(frozen=True)
class EnvironmentSpec:
    """Everything needed to render one user's environment.

    ``module_source`` is either a repository-relative directory holding ``workbench/`` and
    ``dataproc/`` (default ``"modules"``) or a remote source (``git::...``, a registry
    address); ``module_version`` pins remote sources and is ignored for local ones.
    ``display_name`` is the user's own free-text name for the environment.
    """

    name: str
    request_id: str
    owner_email: str
    template_id: str
    kind: Kind
    project: str
    region: str
    module_source: str = "modules"
    module_version: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    workbench: WorkbenchSettings | None = None
    dataproc: DataprocSettings | None = None
    expires_at: str | None = None
    display_name: str = ""


@dataclass(frozen=True)
class RenderedFile:
    """One file to write into the infrastructure repository, path relative to its root."""

    path: str
    content: str


@dataclass(frozen=True)
class RenderedEnvironment:
    """The files for one environment (today exactly one module invocation)."""

    name: str
    files: tuple[RenderedFile, ...]
