"""``render_environment``: one validated spec in, one Terraform file out."""

from __future__ import annotations

from typing import Any

from renderers.dataproc_check import build_cluster_config, full_image_version, validate_cluster_config
from renderers.errors import FieldProblem, RenderError
from renderers.labels import environment_labels
from renderers.layout import DEFAULT_PATH_TEMPLATE, file_path, layout_problems
from renderers.sources import module_source
from renderers.spec import (
    DataprocSettings,
    EnvironmentSpec,
    RenderedEnvironment,
    RenderedFile,
    WorkbenchSettings,
)
from renderers.templating import template_for
from renderers.validation import validate_spec

__all__ = ["render_environment"]


def render_environment(
    spec: EnvironmentSpec, path_template: str = DEFAULT_PATH_TEMPLATE, shards: int = 0, *, api_schema: bool = True
) -> RenderedEnvironment:
    """Render the Terraform module invocation for one environment.

    Validates every field of ``spec`` and the layout first and raises :class:`RenderError`
    listing all problems. The file goes to ``path_template.format(name=..., shard=...)``; with
    ``shards > 0`` and the default template it goes to ``environments/shard-NN/<name>.tf``,
    NN being a stable hash of the name modulo ``shards``. Dataproc environments are also checked
    against the Dataproc API schema (``api_schema=False`` skips only that parse, whose types take a second to
    import: ``serve``'s trial render at start; approvals and ``check-config`` keep it). The same spec always
    gives the same bytes.
    """
    problems = validate_spec(spec) + layout_problems(path_template, shards)
    if problems:
        raise RenderError(problems)
    path = file_path(spec.name, path_template, shards)
    source = module_source(spec.module_source, spec.module_version, spec.kind, path)
    context: dict[str, Any] = {
        "name": spec.name,
        "source": source.source,
        "version": source.version,
        "project": spec.project,
        "region": spec.region,
        "owner_email": spec.owner_email,
        "display_name": spec.display_name,
        "labels": environment_labels(spec),
        "expires_at": spec.expires_at,
    }
    if isinstance(spec.workbench, WorkbenchSettings):
        context.update(_workbench_values(spec.workbench))
    elif isinstance(spec.dataproc, DataprocSettings):
        api_problems = validate_cluster_config(build_cluster_config(spec)) if api_schema else []
        if api_problems:
            raise RenderError(FieldProblem("dataproc", problem) for problem in api_problems)
        context.update(_dataproc_values(spec.dataproc))
    content = template_for(spec.kind).render(context)
    return RenderedEnvironment(name=spec.name, files=(RenderedFile(path=path, content=content),))


def _workbench_values(settings: WorkbenchSettings) -> dict[str, Any]:
    gpu = settings.gpu
    return {
        "zone": settings.zone,
        "machine_type": settings.machine_type,
        "gpu_type": gpu.type if gpu else None,
        "gpu_count": gpu.count if gpu else 0,
        "boot_disk_gb": settings.boot_disk_gb,
        "data_disk_gb": settings.data_disk_gb,
        "image_project": settings.image_project,
        "image_family": settings.image_family,
        "disable_public_ip": settings.disable_public_ip,
        "network": settings.network,
        "subnet": settings.subnet,
        "idle_minutes": settings.idle_minutes,
        "spark_serverless": settings.spark_serverless,
        "secure_boot": settings.secure_boot,
        "kms_key": settings.kms_key,
    }


def _dataproc_values(settings: DataprocSettings) -> dict[str, Any]:
    return {
        "zone": settings.zone,
        "image_version": full_image_version(settings.image_version),
        "master_machine_type": settings.master_machine_type,
        "master_disk_gb": settings.master_disk_gb,
        "worker_machine_type": settings.worker_machine_type,
        "worker_count": settings.worker_count,
        "worker_disk_gb": settings.worker_disk_gb,
        "network": settings.network,
        "subnet": settings.subnet,
        "service_account": settings.service_account,
        "idle_stop_ttl_seconds": settings.idle_stop_ttl_seconds,
        "kms_key": settings.kms_key,
    }
