"""Dataproc cluster configuration, checked against the Dataproc API's own schema.

The 2023 sample this project replaces shipped a template with the corrupted key
``optioimage-versionnalComponents`` and a retired image: YAML and Terraform accepted both
without complaint. Here the configuration a cluster will get is expressed the way the Dataproc
API spells it and parsed into ``google.cloud.dataproc_v1.types.Cluster`` with unknown fields
refused, so such a mistake stops the render instead of reaching a pull request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.cloud.dataproc_v1.types import Cluster
    from google.protobuf.descriptor import Descriptor, FieldDescriptor

from renderers.bounds import DATAPROC_BOUNDS
from renderers.labels import environment_labels
from renderers.patterns import DATAPROC_IMAGE
from renderers.spec import DataprocSettings, EnvironmentSpec

PERSONAL_AUTH_PROPERTY = "dataproc:dataproc.personal-auth.user"
ZERO_WORKERS_PROPERTY = "dataproc:dataproc.allow.zero.workers"
DISPLAY_NAME_METADATA = "notebook-bot-display-name"
DEFAULT_IMAGE_OS = "debian12"
MIN_IDLE_STOP_SECONDS, MAX_IDLE_STOP_SECONDS = DATAPROC_BOUNDS["idle_stop_ttl_seconds"]


def full_image_version(image_version: str) -> str:
    """``2.2`` → ``2.2-debian12``; a version that already names its OS is kept."""
    return image_version if "-" in image_version else f"{image_version}-{DEFAULT_IMAGE_OS}"


def build_cluster_config(spec: EnvironmentSpec) -> dict[str, Any]:
    """The cluster the dataproc module will create for ``spec``, in Dataproc API JSON form.

    Mirrors ``deploy/terraform/modules/dataproc/main.tf``: the same values the module receives,
    in the shape ``clusters.create`` takes. Assumes the spec was validated.
    """
    settings = spec.dataproc
    if not isinstance(settings, DataprocSettings):
        raise ValueError("build_cluster_config needs a dataproc spec")
    gce: dict[str, Any] = {
        "internalIpOnly": True,
        "shieldedInstanceConfig": {
            "enableSecureBoot": True,
            "enableVtpm": True,
            "enableIntegrityMonitoring": True,
        },
    }
    if settings.zone is not None:
        gce["zoneUri"] = settings.zone
    if settings.subnet is not None:
        gce["subnetworkUri"] = settings.subnet
    elif settings.network is not None:
        gce["networkUri"] = settings.network
    if settings.service_account is not None:
        gce["serviceAccount"] = settings.service_account
    if spec.display_name:
        gce["metadata"] = {DISPLAY_NAME_METADATA: spec.display_name}
    properties = {PERSONAL_AUTH_PROPERTY: spec.owner_email}
    config: dict[str, Any] = {
        "gceClusterConfig": gce,
        "masterConfig": _instance_group(1, settings.master_machine_type, settings.master_disk_gb),
        "softwareConfig": {
            "imageVersion": full_image_version(settings.image_version),
            "optionalComponents": ["JUPYTER"],
            "properties": properties,
        },
        "endpointConfig": {"enableHttpPortAccess": True},
        "lifecycleConfig": {"idleStopTtl": f"{settings.idle_stop_ttl_seconds}s"},
    }
    if settings.kms_key is not None:
        config["encryptionConfig"] = {"gcePdKmsKeyName": settings.kms_key}
    if settings.worker_count > 0:
        config["workerConfig"] = _instance_group(
            settings.worker_count, settings.worker_machine_type, settings.worker_disk_gb
        )
    else:
        properties[ZERO_WORKERS_PROPERTY] = "true"
    return {
        "projectId": spec.project,
        "clusterName": spec.name,
        "labels": environment_labels(spec),
        "config": config,
    }


def _instance_group(count: int, machine_type: str, disk_gb: int) -> dict[str, Any]:
    return {"numInstances": count, "machineTypeUri": machine_type, "diskConfig": {"bootDiskSizeGb": disk_gb}}


def validate_cluster_config(config: dict[str, Any]) -> list[str]:
    """Return every problem with a ``Cluster``-shaped dict (``{"config": {...}, "labels": ...}``).

    First every key unknown to the Dataproc API, each with its path; then, if the keys are
    right, what ``json_format.ParseDict`` (unknown fields refused) says about the values; then
    the rules a personal notebook cluster must follow: image 2.2 or 2.3, the JUPYTER component,
    personal authentication, Component Gateway, and an idle *stop* TTL of 10 min to 14 days -- never
    an idle *delete* TTL: a cluster Google deletes while its file still exists is recreated by the
    next apply of the same Terraform root.
    An empty list means the configuration is good.
    """
    if not isinstance(config, Mapping):
        return ["cluster configuration must be a mapping"]
    # Imported here: the Dataproc types take a third of a second to load, and a server must start fast.
    from google.cloud.dataproc_v1.types import Cluster
    from google.protobuf import json_format

    descriptor: Descriptor = Cluster.pb().DESCRIPTOR
    problems = _unknown_fields(config, descriptor, "")
    if problems:
        return problems
    message = Cluster.pb()()
    try:
        json_format.ParseDict(dict(config), message, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        return [f"not a valid Dataproc cluster: {error}"]
    return _policy_problems(Cluster.wrap(message))


def _unknown_fields(value: Mapping[str, Any], descriptor: Descriptor, path: str) -> list[str]:
    problems: list[str] = []
    by_json = {field.json_name: field for field in descriptor.fields}
    for key, item in value.items():
        field = by_json.get(key) or descriptor.fields_by_name.get(key)
        where = f"{path}{key}"
        if field is None:
            problems.append(f"{path or 'cluster.'}{key}: unknown field (not in the Dataproc API)")
            continue
        problems.extend(_unknown_in_value(field, item, where))
    return problems


def _unknown_in_value(field: FieldDescriptor, item: Any, where: str) -> list[str]:
    target = field.message_type
    if target is None or target.full_name.startswith("google.protobuf."):
        return []
    if target.GetOptions().map_entry:
        value_field = target.fields_by_name["value"]
        if value_field.message_type is None or not isinstance(item, Mapping):
            return []
        return [p for key, entry in item.items() for p in _unknown_in_value(value_field, entry, f"{where}.{key}")]
    items = item if isinstance(item, list) else [item]
    problems: list[str] = []
    for index, element in enumerate(items):
        if isinstance(element, Mapping):
            suffix = f"[{index}]" if isinstance(item, list) else ""
            problems.extend(_unknown_fields(element, target, f"{where}{suffix}."))
    return problems


def _policy_problems(cluster: Cluster) -> list[str]:
    problems: list[str] = []
    software = cluster.config.software_config
    image = software.image_version
    if not DATAPROC_IMAGE.fullmatch(image) and not image.startswith(("2.2.", "2.3.")):
        problems.append(
            f"config.softwareConfig.imageVersion: {image or '(unset)'} is not a supported image (2.2 or 2.3)"
        )
    if "JUPYTER" not in [component.name for component in software.optional_components]:
        problems.append("config.softwareConfig.optionalComponents: must include JUPYTER")
    if not software.properties.get(PERSONAL_AUTH_PROPERTY):
        problems.append(f"config.softwareConfig.properties: must set {PERSONAL_AUTH_PROPERTY}")
    if not cluster.config.endpoint_config.enable_http_port_access:
        problems.append("config.endpointConfig.enableHttpPortAccess: must be true (Component Gateway)")
    lifecycle = cluster.config.lifecycle_config
    ttl = lifecycle.idle_stop_ttl
    seconds = int(ttl.total_seconds()) if ttl is not None else 0
    if not MIN_IDLE_STOP_SECONDS <= seconds <= MAX_IDLE_STOP_SECONDS:
        problems.append(
            f"config.lifecycleConfig.idleStopTtl: must be between {MIN_IDLE_STOP_SECONDS}s and "
            f"{MAX_IDLE_STOP_SECONDS}s (14 days)"
        )
    deleting = lifecycle.idle_delete_ttl
    if deleting is not None and deleting.total_seconds() > 0:
        problems.append(
            "config.lifecycleConfig.idleDeleteTtl: must not be set; an idle cluster stops, and only the end of "
            "its lifetime deletes it (through its pull request)"
        )
    return problems
