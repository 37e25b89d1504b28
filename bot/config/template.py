"""Templates: the offerings admins curate, like JupyterHub profiles or Dataproc Hub templates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.parts import (
    _MACHINE_TYPE,
    _SLACK_GROUP,
    _SLACK_USER,
    _TEMPLATE_ID,
    Bound,
    Changeable,
    DataprocShape,
    Gpu,
    _Strict,
)
from renderers import patterns
from renderers.bounds import DATAPROC_BOUNDS, KMS_KEY, WORKBENCH_BOUNDS

_BOOT_DISK = WORKBENCH_BOUNDS["boot_disk_gb"]
_DATA_DISK = WORKBENCH_BOUNDS["data_disk_gb"]


class Template(_Strict):
    """One kind of environment users may ask for, and what they may change about it."""

    id: str
    title: str = Field(min_length=1, max_length=75)  # Slack option text is at most 75 characters
    description: str = ""
    kind: Literal["workbench", "dataproc"]
    machine_type: str | None = None
    gpu: Gpu | None = None
    boot_disk_gb: int = Field(default=150, ge=_BOOT_DISK[0], le=_BOOT_DISK[1])
    data_disk_gb: int = Field(default=100, ge=_DATA_DISK[0], le=_DATA_DISK[1])
    image_project: str | None = None
    image_family: str | None = None
    # Secure Boot needs signed drivers: unset means on for CPU templates, off for GPU ones.
    secure_boot: bool | None = None
    kms_key: str | None = None  # customer-managed encryption key for the disks
    spark: Literal["serverless"] | None = None
    dataproc: DataprocShape | None = None
    users: list[str] = []
    usergroups: list[str] = []
    approval: Literal["required", "auto"] = "required"
    changeable: list[Changeable] = ["idle_minutes", "lifetime_days"]
    idle_minutes: Bound | None = None
    lifetime_days: Bound | None = None
    worker_count: Bound | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _TEMPLATE_ID.match(v):
            raise ValueError("must be 2-32 lowercase letters, digits and hyphens, starting with a letter")
        return v

    @field_validator("machine_type")
    @classmethod
    def _machine(cls, v: str | None) -> str | None:
        if v is not None and not _MACHINE_TYPE.match(v):
            raise ValueError("is not a machine type such as e2-standard-4")
        return v

    @field_validator("image_project")
    @classmethod
    def _image_project(cls, v: str | None) -> str | None:
        if v is not None and not patterns.PROJECT_ID.fullmatch(v):
            raise ValueError("is not a project ID such as deeplearning-platform-release")
        return v

    @field_validator("image_family")
    @classmethod
    def _image_family(cls, v: str | None) -> str | None:
        if v is not None and not patterns.IMAGE_FAMILY.fullmatch(v):
            raise ValueError("is not an image family name such as common-cpu-notebooks")
        return v

    @field_validator("kms_key")
    @classmethod
    def _kms_key(cls, v: str | None) -> str | None:
        if v is not None and not KMS_KEY.fullmatch(v):
            raise ValueError("must be a Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K")
        return v

    @field_validator("users")
    @classmethod
    def _users(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not _SLACK_USER.match(u)]
        if bad:
            raise ValueError(f"must be Slack user IDs, not {', '.join(bad)}")
        return v

    @field_validator("usergroups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        bad = [g for g in v if not _SLACK_GROUP.match(g)]
        if bad:
            raise ValueError(f"must be Slack user group IDs (S...), not {', '.join(bad)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Template:
        if self.kind == "workbench":
            if self.machine_type is None:
                raise ValueError("a workbench template needs machine_type")
            if self.dataproc is not None:
                raise ValueError("dataproc settings belong to kind: dataproc, not workbench")
            if "worker_count" in self.changeable:
                raise ValueError("worker_count can only be changeable on a dataproc template")
        else:
            if self.spark is not None:
                raise ValueError("spark: serverless is an option of workbench templates")
            if self.gpu is not None:
                raise ValueError("GPUs are offered on workbench templates only")
            if self.secure_boot is not None:
                raise ValueError("secure_boot is a setting of workbench templates")
        if (self.image_project is None) != (self.image_family is None):
            raise ValueError("give image_project and image_family together, or neither")
        if self.worker_count is not None and self.worker_count.min == 1:
            raise ValueError("worker_count.min must be 0 or at least 2")
        most = DATAPROC_BOUNDS["worker_count"][1]
        if self.worker_count is not None and self.worker_count.max > most:
            raise ValueError(f"worker_count.max must be at most {most}")
        return self

    @property
    def dataproc_shape(self) -> DataprocShape:
        return self.dataproc or DataprocShape()

    @property
    def secure_boot_on(self) -> bool:
        """Secure Boot as rendered: the template's choice, else on without a GPU and off with one."""
        return self.secure_boot if self.secure_boot is not None else self.gpu is None
