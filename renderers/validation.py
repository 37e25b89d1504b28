"""Every check on an :class:`EnvironmentSpec`, run before anything is rendered.

Each check appends a :class:`FieldProblem` naming the field as the bot knows it
(``workbench.machine_type``, ``labels.team``...) and carries on, so one error lists them all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from renderers import patterns as p
from renderers.bounds import DATAPROC_BOUNDS, KMS_KEY, WORKBENCH_BOUNDS, WORKBENCH_GPU_TYPES
from renderers.errors import FieldProblem
from renderers.names import NAME_MAX_LENGTH
from renderers.sources import source_problems
from renderers.spec import KINDS, DataprocSettings, EnvironmentSpec, WorkbenchSettings

# Labels the renderer always sets; user or template labels may not replace them.
RESERVED_LABELS = frozenset({"owner", "request-id", "template", "managed-by"})
MAX_LABELS = 64
DISPLAY_NAME_MAX = 10_000


class _Checker:
    """Collects problems; each method checks one field and never raises."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(FieldProblem(field, message))

    def pattern(self, field: str, value: object, regex: re.Pattern[str], hint: str, limit: int = 63) -> None:
        if not isinstance(value, str) or not value:
            self.add(field, "is required")
        elif len(value) > limit or not regex.fullmatch(value):
            self.add(field, hint)

    def optional_pattern(self, field: str, value: object, regex: re.Pattern[str], hint: str) -> None:
        if value is not None:
            self.pattern(field, value, regex, hint, limit=255)

    def integer(self, field: str, value: object, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, "must be a whole number")
        elif not low <= value <= high:
            self.add(field, f"must be between {low} and {high}")

    def bounded(self, field: str, value: object, bounds: dict[str, tuple[int, int]]) -> None:
        low, high = bounds[field.rsplit(".", 1)[-1]]
        self.integer(field, value, low, high)

    def boolean(self, field: str, value: object) -> None:
        if not isinstance(value, bool):
            self.add(field, "must be true or false")

    def zone_in_region(self, field: str, zone: object, region: object) -> None:
        self.pattern(field, zone, p.ZONE, "must be a zone such as europe-west1-b")
        match = p.ZONE.fullmatch(zone) if isinstance(zone, str) else None
        if match and isinstance(region, str) and p.REGION.fullmatch(region) and match["region"] != region:
            self.add(field, f"must be a zone of region {region}")


def validate_spec(spec: EnvironmentSpec) -> list[FieldProblem]:
    """Return every problem with ``spec`` (empty when it can be rendered)."""
    check = _Checker()
    check.pattern(
        "name",
        spec.name,
        p.RESOURCE_NAME,
        f"must be a lowercase name of at most {NAME_MAX_LENGTH} characters (see environment_name)",
        limit=NAME_MAX_LENGTH,
    )
    check.pattern("request_id", spec.request_id, p.REQUEST_ID, "must be lowercase letters, digits and '-'")
    if (problem := p.email_problem(spec.owner_email)) is not None:
        check.add("owner_email", problem)
    check.pattern("template_id", spec.template_id, p.TEMPLATE_ID, "must be lowercase letters, digits, '-' or '_'")
    check.pattern("project", spec.project, p.PROJECT_ID, "must be a project ID such as acme-analytics")
    check.pattern("region", spec.region, p.REGION, "must be a region such as europe-west1")
    check.problems.extend(source_problems(spec.module_source, spec.module_version))
    _check_labels(check, spec.labels)
    _check_expiry(check, spec.expires_at)
    _check_display_name(check, spec.display_name)
    if spec.kind not in KINDS:
        check.add("kind", f"must be one of {', '.join(KINDS)}")
    expected = {"workbench": spec.workbench, "dataproc": spec.dataproc}
    types = {"workbench": WorkbenchSettings, "dataproc": DataprocSettings}
    for kind, settings in expected.items():
        if settings is not None and not isinstance(settings, types[kind]):
            check.add(kind, f"must be a {types[kind].__name__}")
        elif kind == spec.kind and settings is None:
            check.add(kind, f"settings are required for a {kind} environment")
        elif kind != spec.kind and settings is not None:
            check.add(kind, f"must be empty for a {spec.kind} environment")
    if spec.kind == "workbench" and isinstance(spec.workbench, WorkbenchSettings):
        _check_workbench(check, spec.workbench, spec.region)
    if spec.kind == "dataproc" and isinstance(spec.dataproc, DataprocSettings):
        _check_dataproc(check, spec.dataproc, spec.region)
    return check.problems


def _check_labels(check: _Checker, labels: object) -> None:
    if not isinstance(labels, Mapping):
        check.add("labels", "must be a mapping of label keys to values")
        return
    if len(labels) + len(RESERVED_LABELS) > MAX_LABELS:
        check.add("labels", f"at most {MAX_LABELS - len(RESERVED_LABELS)} extra labels")
    for key, value in sorted(labels.items(), key=lambda item: str(item[0])):
        field = f"labels.{key}"
        if not isinstance(key, str) or not p.LABEL_KEY.fullmatch(key):
            check.add(field, "label keys start with a lowercase letter; then a-z, 0-9, '_' or '-', 63 at most")
        elif key in RESERVED_LABELS:
            check.add(field, "is set by notebook-bot and cannot be overridden")
        if not isinstance(value, str) or not p.LABEL_VALUE.fullmatch(value):
            check.add(field, "label values are a-z, 0-9, '_' or '-', 63 at most (see label_value)")


def _check_expiry(check: _Checker, expires_at: object) -> None:
    if expires_at is None:
        return
    try:
        if not isinstance(expires_at, str) or not p.ISO_DATE.fullmatch(expires_at):
            raise ValueError(expires_at)
        datetime.date.fromisoformat(expires_at)
    except ValueError:
        check.add("expires_at", "must be a date such as 2026-03-31")


def _check_display_name(check: _Checker, display_name: object) -> None:
    if not isinstance(display_name, str):
        check.add("display_name", "must be text")
    elif len(display_name) > DISPLAY_NAME_MAX:
        check.add("display_name", f"must be at most {DISPLAY_NAME_MAX} characters")
    elif any(0xD800 <= ord(char) <= 0xDFFF for char in display_name):
        check.add("display_name", "contains characters that are not valid Unicode")


def _check_network(check: _Checker, prefix: str, network: object, subnet: object) -> None:
    check.optional_pattern(f"{prefix}.network", network, p.NETWORK, "must be a VPC network name or path")
    check.optional_pattern(f"{prefix}.subnet", subnet, p.SUBNET, "must be a subnetwork name or path")


def _check_workbench(check: _Checker, wb: WorkbenchSettings, region: str) -> None:
    check.zone_in_region("workbench.zone", wb.zone, region)
    check.pattern(
        "workbench.machine_type",
        wb.machine_type,
        p.MACHINE_TYPE,
        "must be a machine type such as e2-standard-4",
    )
    check.bounded("workbench.idle_minutes", wb.idle_minutes, WORKBENCH_BOUNDS)
    if wb.gpu is not None:
        if wb.gpu.type not in WORKBENCH_GPU_TYPES:
            check.add(
                "workbench.gpu.type", f"must be an accelerator Workbench offers: {', '.join(WORKBENCH_GPU_TYPES)}"
            )
        check.integer("workbench.gpu.count", wb.gpu.count, 1, WORKBENCH_BOUNDS["gpu_count"][1])
    check.bounded("workbench.boot_disk_gb", wb.boot_disk_gb, WORKBENCH_BOUNDS)
    check.bounded("workbench.data_disk_gb", wb.data_disk_gb, WORKBENCH_BOUNDS)
    check.optional_pattern("workbench.image_project", wb.image_project, p.PROJECT_ID, "must be a project ID")
    check.optional_pattern("workbench.image_family", wb.image_family, p.IMAGE_FAMILY, "must be an image family name")
    if (wb.image_project is None) != (wb.image_family is None):
        check.add("workbench.image_family", "image_project and image_family go together")
    check.boolean("workbench.disable_public_ip", wb.disable_public_ip)
    _check_network(check, "workbench", wb.network, wb.subnet)
    if (wb.network is None) != (wb.subnet is None):
        check.add("workbench.subnet", "network and subnet go together")
    check.boolean("workbench.spark_serverless", wb.spark_serverless)
    check.boolean("workbench.secure_boot", wb.secure_boot)
    _check_kms_key(check, "workbench.kms_key", wb.kms_key)


def _check_dataproc(check: _Checker, dp: DataprocSettings, region: str) -> None:
    if dp.zone is not None:
        check.zone_in_region("dataproc.zone", dp.zone, region)
    hint = "must be a machine type such as n2-standard-4"
    check.pattern("dataproc.master_machine_type", dp.master_machine_type, p.MACHINE_TYPE, hint)
    check.pattern("dataproc.worker_machine_type", dp.worker_machine_type, p.MACHINE_TYPE, hint)
    check.bounded("dataproc.worker_count", dp.worker_count, DATAPROC_BOUNDS)
    if type(dp.worker_count) is int and dp.worker_count == 1:
        check.add("dataproc.worker_count", "must be 0 (single node) or at least 2")
    check.pattern(
        "dataproc.image_version",
        dp.image_version,
        p.DATAPROC_IMAGE,
        "must be 2.2 or 2.3 (optionally -debian12, -ubuntu22, -rocky9)",
    )
    check.bounded("dataproc.idle_stop_ttl_seconds", dp.idle_stop_ttl_seconds, DATAPROC_BOUNDS)
    check.bounded("dataproc.master_disk_gb", dp.master_disk_gb, DATAPROC_BOUNDS)
    check.bounded("dataproc.worker_disk_gb", dp.worker_disk_gb, DATAPROC_BOUNDS)
    _check_network(check, "dataproc", dp.network, dp.subnet)
    if dp.network is not None and dp.subnet is not None:
        check.add("dataproc.subnet", "give either network or subnet, not both")
    check.optional_pattern(
        "dataproc.service_account", dp.service_account, p.SERVICE_ACCOUNT, "must be a service account email"
    )
    _check_kms_key(check, "dataproc.kms_key", dp.kms_key)


def _check_kms_key(check: _Checker, field: str, key: object) -> None:
    if key is not None and (not isinstance(key, str) or len(key) > 512 or not KMS_KEY.fullmatch(key)):
        check.add(field, "must be a Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K")
