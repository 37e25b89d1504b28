"""From an approved request and its template to the renderer's input: the one place the two meet."""

from __future__ import annotations

from bot.cloud.base import CloudEnvironment, Kind
from bot.config.policy import Policy, Template
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from renderers import (
    DataprocSettings,
    EnvironmentSpec,
    Gpu,
    RenderedEnvironment,
    WorkbenchSettings,
    render_environment,
)


def team_labels(person: Person, policy: Policy) -> dict[str, str]:
    """Cost-allocation labels for the user's team and cost centre, where the policy names them."""
    for team in policy.identity.teams:
        if person.user_id in team.users or person.usergroups & set(team.usergroups):
            labels = {"team": team.name}
            if team.cost_center:
                labels["cost-center"] = team.cost_center
            return labels
    return {}


def environment_spec(request: EnvironmentRequest, template: Template, policy: Policy) -> EnvironmentSpec:
    """The renderer's input for this request, with the user's choices inside the template's bounds."""
    zone = str(request.options.get("zone") or policy.gcp.zones[0])
    workbench = dataproc = None
    if template.kind == "workbench":
        assert template.machine_type is not None  # the policy refuses workbench templates without one
        workbench = WorkbenchSettings(
            zone=zone,
            machine_type=template.machine_type,
            idle_minutes=request.idle_minutes,
            gpu=Gpu(type=template.gpu.type, count=template.gpu.count) if template.gpu else None,
            boot_disk_gb=template.boot_disk_gb,
            data_disk_gb=template.data_disk_gb,
            image_project=template.image_project,
            image_family=template.image_family,
            network=policy.gcp.network,
            subnet=policy.gcp.subnet,
            spark_serverless=template.spark == "serverless",
        )
    else:
        shape = template.dataproc_shape
        dataproc = DataprocSettings(
            zone=zone,
            master_machine_type=shape.master_machine_type,
            worker_machine_type=shape.worker_machine_type,
            worker_count=int(request.options.get("worker_count", shape.worker_count)),
            image_version=shape.image_version,
            idle_delete_ttl_seconds=request.idle_minutes * 60,
            master_disk_gb=shape.master_disk_gb,
            worker_disk_gb=shape.worker_disk_gb,
            network=policy.gcp.network,
            subnet=policy.gcp.subnet,
        )
    return EnvironmentSpec(
        name=request.env_name,
        request_id=request.id,
        owner_email=request.owner_email,
        template_id=template.id,
        kind=template.kind,
        project=policy.gcp.project,
        region=policy.gcp.region,
        module_source=policy.repo.module_source,
        module_version=policy.repo.module_version,
        labels=dict(request.options.get("labels") or {}),
        display_name=request.display_name,
        workbench=workbench,
        dataproc=dataproc,
    )


def render(request: EnvironmentRequest, template: Template, policy: Policy) -> RenderedEnvironment:
    """The environment's files, exactly as an approval writes them."""
    return render_environment(
        environment_spec(request, template, policy),
        path_template=policy.repo.path_layout,
        shards=policy.repo.shards,
    )


def cloud_environment(request: EnvironmentRequest, policy: Policy) -> CloudEnvironment:
    """Where Google has (or will have) this environment."""
    if request.kind == "dataproc":
        location = policy.gcp.region
    else:
        location = str(request.options.get("zone") or policy.gcp.zones[0])
    kind: Kind = "dataproc" if request.kind == "dataproc" else "workbench"
    return CloudEnvironment(
        kind=kind, project=policy.gcp.project, location=location, name=request.env_name, paths=request.files
    )
