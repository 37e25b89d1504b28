"""From a template and one user's choices to the renderer's input: the one mapping approvals and checks share.

An approval (``bot.workflow.rendering``), ``notebook-bot render`` and the trial render of
``check-config`` all build their :class:`EnvironmentSpec` here, so what the check renders is what an
approval renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config.policy import Policy, Template
from renderers import DataprocSettings, EnvironmentSpec, Gpu, WorkbenchSettings


@dataclass(frozen=True)
class Choices:
    """What one request decides within the template: who, which zone, how long idle, how many workers."""

    name: str
    request_id: str
    owner_email: str
    display_name: str
    idle_minutes: int
    zone: str | None = None
    worker_count: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


def environment_spec_for(template: Template, policy: Policy, choices: Choices) -> EnvironmentSpec:
    """The renderer's input for one environment of ``template`` with ``choices``."""
    zone = choices.zone or policy.gcp.zones[0]
    workbench = dataproc = None
    if template.kind == "workbench":
        assert template.machine_type is not None  # the policy refuses workbench templates without one
        workbench = WorkbenchSettings(
            zone=zone,
            machine_type=template.machine_type,
            idle_minutes=choices.idle_minutes,
            gpu=Gpu(type=template.gpu.type, count=template.gpu.count) if template.gpu else None,
            boot_disk_gb=template.boot_disk_gb,
            data_disk_gb=template.data_disk_gb,
            image_project=template.image_project,
            image_family=template.image_family,
            network=policy.gcp.network,
            subnet=policy.gcp.subnet,
            spark_serverless=template.spark == "serverless",
            secure_boot=template.secure_boot_on,
            kms_key=template.kms_key,
        )
    else:
        shape = template.dataproc_shape
        dataproc = DataprocSettings(
            zone=zone,
            master_machine_type=shape.master_machine_type,
            worker_machine_type=shape.worker_machine_type,
            worker_count=shape.worker_count if choices.worker_count is None else choices.worker_count,
            image_version=shape.image_version,
            idle_stop_ttl_seconds=choices.idle_minutes * 60,
            master_disk_gb=shape.master_disk_gb,
            worker_disk_gb=shape.worker_disk_gb,
            # Dataproc refuses a network together with a subnetwork: the subnet names its network.
            network=policy.gcp.network if policy.gcp.subnet is None else None,
            subnet=policy.gcp.subnet,
            kms_key=template.kms_key,
        )
    return EnvironmentSpec(
        name=choices.name,
        request_id=choices.request_id,
        owner_email=choices.owner_email,
        template_id=template.id,
        kind=template.kind,
        project=policy.gcp.project,
        region=policy.gcp.region,
        module_source=policy.repo.module_source,
        module_version=policy.repo.module_version,
        labels=dict(choices.labels),
        display_name=choices.display_name,
        workbench=workbench,
        dataproc=dataproc,
    )
