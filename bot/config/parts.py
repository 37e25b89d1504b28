"""The sections of the policy file: typed, validated, with defaults for what the minimal file leaves out."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from renderers import patterns
from renderers.bounds import DATAPROC_BOUNDS, WORKBENCH_BOUNDS, WORKBENCH_GPU_TYPES

_GCP_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_TEMPLATE_ID = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_SLACK_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{1,63}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bound(_Strict):
    """A number a user may choose, within ``min``..``max``, starting at ``default``."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)
    default: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"needs min <= default <= max (got {self.min}, {self.default}, {self.max})")
        return self

    def within(self, outer: Bound) -> bool:
        return outer.min <= self.min and self.max <= outer.max


class Gcp(_Strict):
    project: str
    region: str
    zones: list[str] = Field(min_length=1)
    network: str | None = None
    subnet: str | None = None

    @field_validator("project")
    @classmethod
    def _project(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", v):
            raise ValueError("is not a valid Google Cloud project id (6-30 lowercase letters, digits, hyphens)")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z]+-[a-z]+[0-9]+", v):
            raise ValueError("is not a region name such as europe-west1")
        return v

    @field_validator("network")
    @classmethod
    def _network(cls, v: str | None) -> str | None:
        if v is not None and not patterns.NETWORK.fullmatch(v):
            raise ValueError("must be a VPC network name or projects/P/global/networks/NAME")
        return v

    @field_validator("subnet")
    @classmethod
    def _subnet(cls, v: str | None) -> str | None:
        if v is not None and not patterns.SUBNET.fullmatch(v):
            raise ValueError("must be a subnetwork name or projects/P/regions/REGION/subnetworks/NAME")
        return v

    @model_validator(mode="after")
    def _zones_in_region(self) -> Gcp:
        for zone in self.zones:
            if not re.fullmatch(rf"{re.escape(self.region)}-[a-z]", zone):
                raise ValueError(f"zone {zone!r} is not a zone of region {self.region}")
        if self.subnet and "/regions/" in self.subnet and f"/regions/{self.region}/" not in self.subnet:
            raise ValueError(f"subnet {self.subnet!r} is not in region {self.region}")
        return self


class Slack(_Strict):
    admin_channel: str
    admins: list[str] = []
    admin_usergroup: str | None = None
    allow_self_approval: bool = False
    team_id: str | None = None  # when set, requests from other workspaces are refused

    @field_validator("admin_channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        if not _SLACK_CHANNEL.match(v):
            raise ValueError("must be a Slack channel ID such as C0ADMINS (not a #name)")
        return v

    @field_validator("admins")
    @classmethod
    def _admins(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if not _SLACK_USER.match(a)]
        if bad:
            raise ValueError(f"must be Slack user IDs such as U0ADMIN1, not {', '.join(bad)}")
        return v

    @field_validator("admin_usergroup")
    @classmethod
    def _group(cls, v: str | None) -> str | None:
        if v is not None and not _SLACK_GROUP.match(v):
            raise ValueError("must be a Slack user group ID such as S0ADMINS")
        return v

    @model_validator(mode="after")
    def _someone_decides(self) -> Slack:
        if not self.admins and not self.admin_usergroup:
            raise ValueError("name at least one admin (admins) or an admin_usergroup")
        return self


class Team(_Strict):
    """Cost allocation: users (by Slack ID) or a user group that belong to a team and cost centre."""

    name: str
    cost_center: str | None = None
    users: list[str] = []
    usergroups: list[str] = []

    @field_validator("name", "cost_center")
    @classmethod
    def _label_value(cls, v: str | None) -> str | None:
        # Both become label values on every resource; Google refuses anything else at apply time.
        if v is not None and not _LABEL_VALUE.fullmatch(v):
            hint = re.sub(r"[^a-z0-9_-]+", "-", v.lower()).strip("-")[:63] or "growth"
            raise ValueError(
                f"{v!r} is not a valid label value (lowercase letters, digits, '_' and '-', at most 63), e.g. {hint}"
            )
        return v

    def labels(self) -> dict[str, str]:
        """The cost-allocation labels this team puts on its members' resources."""
        return {"team": self.name} | ({"cost-center": self.cost_center} if self.cost_center else {})


class Identity(_Strict):
    allowed_domains: list[str] = Field(min_length=1)
    teams: list[Team] = []

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        lowered = [d.lower() for d in v]
        bad = [d for d in lowered if not _DOMAIN.match(d)]
        if bad:
            raise ValueError(f"not domain names: {', '.join(bad)}")
        return lowered


class Limits(_Strict):
    idle_minutes: Bound = Bound(min=10, max=1440, default=180)
    lifetime_days: Bound = Bound(min=1, max=90, default=30)
    environments_per_user: int = Field(default=2, ge=1)
    environments_per_user_per_kind: dict[Literal["workbench", "dataproc"], int] = {}
    reminder_hours_before_expiry: int = Field(default=48, ge=1)
    approval_timeout_hours: int = Field(default=72, ge=1)
    readiness_timeout_minutes: int = Field(default=60, ge=5)
    provisioning_attempts: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _idle_range(self) -> Limits:
        # The Workbench console accepts 10-1440 minutes of idle time before shutdown.
        if self.idle_minutes.min < 10 or self.idle_minutes.max > 1440:
            raise ValueError("idle_minutes must stay within 10..1440 (what Workbench accepts)")
        if self.lifetime_days.min < 1:
            raise ValueError("lifetime_days.min must be at least 1")
        return self


class Gpu(_Strict):
    type: str
    count: int = Field(default=1, ge=1, le=WORKBENCH_BOUNDS["gpu_count"][1])

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in WORKBENCH_GPU_TYPES:
            raise ValueError(f"must be an accelerator Workbench offers: {', '.join(WORKBENCH_GPU_TYPES)}")
        return v


_WORKERS = DATAPROC_BOUNDS["worker_count"]
_IDLE_STOP = DATAPROC_BOUNDS["idle_stop_ttl_seconds"]
_MASTER_DISK = DATAPROC_BOUNDS["master_disk_gb"]
_WORKER_DISK = DATAPROC_BOUNDS["worker_disk_gb"]


class DataprocShape(_Strict):
    master_machine_type: str = "n2-standard-4"
    worker_machine_type: str = "n2-standard-4"
    worker_count: int = Field(default=2, ge=_WORKERS[0], le=_WORKERS[1])
    image_version: Literal["2.2", "2.3"] = "2.2"
    # An idle cluster stops (Dataproc: 10 min .. 14 days). The old name still reads, with the new meaning:
    # a cluster deleted by Google while its file exists would be recreated by the next apply.
    idle_stop_ttl_minutes: int = Field(
        default=120,
        ge=_IDLE_STOP[0] // 60,
        le=_IDLE_STOP[1] // 60,
        validation_alias=AliasChoices("idle_stop_ttl_minutes", "idle_delete_ttl_minutes"),
    )
    master_disk_gb: int = Field(default=100, ge=_MASTER_DISK[0], le=_MASTER_DISK[1])
    worker_disk_gb: int = Field(default=100, ge=_WORKER_DISK[0], le=_WORKER_DISK[1])

    @field_validator("master_machine_type", "worker_machine_type")
    @classmethod
    def _machine(cls, v: str) -> str:
        if not _MACHINE_TYPE.match(v):
            raise ValueError("is not a machine type such as n2-standard-4")
        return v

    @model_validator(mode="after")
    def _workers(self) -> DataprocShape:
        if self.worker_count == 1:
            raise ValueError("worker_count must be 0 (single node) or at least 2: Dataproc has no 1-worker cluster")
        return self


Changeable = Literal["idle_minutes", "lifetime_days", "worker_count", "zone"]


_BQ_PROJECT = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
_BQ_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,1023}")


class BillingExport(_Strict):
    """The Cloud Billing export to BigQuery (standard usage cost table) that ``/notebook costs`` reads."""

    project: str
    dataset: str
    table: str

    @field_validator("project")
    @classmethod
    def _project(cls, v: str) -> str:
        if not _BQ_PROJECT.fullmatch(v):
            raise ValueError("is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens)")
        return v

    @field_validator("dataset", "table")
    @classmethod
    def _name(cls, v: str) -> str:
        # The table name goes into SQL (it cannot be a query parameter): only letters, digits and '_'.
        if not _BQ_NAME.fullmatch(v):
            raise ValueError("must be letters, digits and underscores, e.g. gcp_billing_export_v1_0123AB_4567CD")
        return v

    @property
    def table_id(self) -> str:
        return f"{self.project}.{self.dataset}.{self.table}"


class Costs(_Strict):
    """What environments may cost, by their monthly estimate, and where spend is reported from."""

    auto_approve_below_monthly: float | None = Field(default=None, ge=0)
    refuse_above_monthly: float | None = Field(default=None, ge=0)
    currency: Literal["USD"] = "USD"  # the shipped price table's currency
    working_hours_per_day: int = Field(default=8, ge=1, le=24)
    working_days_per_month: int = Field(default=21, ge=1, le=31)
    billing_export: BillingExport | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Costs:
        low, high = self.auto_approve_below_monthly, self.refuse_above_monthly
        if low is not None and high is not None and low > high:
            raise ValueError(f"auto_approve_below_monthly ({low}) is above refuse_above_monthly ({high})")
        return self
