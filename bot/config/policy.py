"""The whole policy file (DESIGN §3): what admins decide, read once and validated at start."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.fleet import FleetPolicy
from bot.config.parts import _SLACK_GROUP, Bound, Costs, Gcp, Identity, Limits, Slack, _Strict
from bot.config.template import Template
from renderers.sources import source_problems

__all__ = ["Approval", "Bound", "Policy", "Repo", "Template"]


class Repo(_Strict):
    """Where and how environment files are written in the infrastructure repository."""

    base_branch: str = "main"
    path_layout: str = "environments/{name}.tf"
    shards: int = Field(default=0, ge=0, le=256)
    module_source: str = "modules"
    module_version: str | None = None
    branch_prefix: str = "notebook-bot/"
    reviewers: list[str] = []
    team_reviewers: list[str] = []
    labels: list[str] = ["notebook-bot"]
    # manual: a person merges every pull request; when_checks_pass: the bot merges an approved one once its
    # plan (commit status notebook-bot/plan) passed, with merge_method.
    merge: Literal["manual", "when_checks_pass"] = "manual"
    merge_method: Literal["squash", "merge", "rebase"] = "squash"

    @field_validator("path_layout")
    @classmethod
    def _layout(cls, v: str) -> str:
        fields = set(re.findall(r"{(\w+)[^}]*}", v))
        if "name" not in fields or not fields <= {"name", "shard"}:
            raise ValueError("must contain {name} and may contain {shard}, e.g. environments/{name}.tf")
        if not v.endswith(".tf") or v.startswith("/") or ".." in v.split("/"):
            raise ValueError("must be a relative path ending in .tf")
        return v

    @field_validator("base_branch", "branch_prefix")
    @classmethod
    def _ref(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._/-]*", v) or ".." in v:
            raise ValueError("is not a valid git branch name")
        return v

    @model_validator(mode="after")
    def _shards(self) -> Repo:
        if self.shards and "{shard" not in self.path_layout:
            raise ValueError("shards is set but path_layout has no {shard} (e.g. environments/{shard}/{name}.tf)")
        return self

    @model_validator(mode="after")
    def _source(self) -> Repo:
        # The renderer's own check: a source or version it would refuse at approval is refused here.
        problems = source_problems(self.module_source, self.module_version)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self


class AutoApproveRule(_Strict):
    """Requests matching every condition given here are approved without an admin."""

    templates: list[str] = []
    usergroups: list[str] = []
    users: list[str] = []
    without_gpu: bool = True

    @field_validator("usergroups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        if any(not _SLACK_GROUP.match(g) for g in v):
            raise ValueError("must be Slack user group IDs (S...)")
        return v


class Approval(_Strict):
    auto: list[AutoApproveRule] = []
    gpu_requires_admin: bool = True


class Policy(_Strict):
    """Everything an admin decides. The minimal file of DESIGN §3 is accepted as it is."""

    gcp: Gcp
    slack: Slack
    identity: Identity
    limits: Limits = Limits()
    templates: list[Template] = Field(min_length=1)
    repo: Repo = Repo()
    approval: Approval = Approval()
    fleet: FleetPolicy = FleetPolicy()
    costs: Costs = Costs()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _coherent(self) -> Policy:
        seen: set[str] = set()
        for i, t in enumerate(self.templates):
            where = f"templates[{i}] ({t.id})"
            if t.id in seen:
                raise ValueError(f"{where}: template id {t.id!r} is used twice")
            seen.add(t.id)
            for name in ("idle_minutes", "lifetime_days"):
                own: Bound | None = getattr(t, name)
                outer: Bound = getattr(self.limits, name)
                if own is not None and not own.within(outer):
                    raise ValueError(
                        f"{where}.{name}: {own.min}..{own.max} is outside limits.{name} {outer.min}..{outer.max}"
                    )
        known = {t.id for t in self.templates}
        for j, rule in enumerate(self.approval.auto):
            unknown = [x for x in rule.templates if x not in known]
            if unknown:
                raise ValueError(f"approval.auto[{j}].templates: unknown template {', '.join(unknown)}")
        return self

    def template(self, template_id: str) -> Template | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def bound(self, template: Template, name: str) -> Bound:
        """The bound a user chooses within for this template: the template's own, else the global limit."""
        own: Bound | None = getattr(template, name, None)
        if own is not None:
            return own
        if name == "worker_count":
            shape = template.dataproc_shape
            return Bound(
                min=0 if shape.worker_count == 0 else 2,
                max=max(shape.worker_count, 2) * 4,
                default=shape.worker_count,
            )
        outer: Bound = getattr(self.limits, name)
        if name == "idle_minutes" and template.kind == "dataproc":
            # A cluster's idle time is its idle-stop TTL: the template's shape says how long by default.
            ttl = template.dataproc_shape.idle_stop_ttl_minutes
            return outer.model_copy(update={"default": min(max(ttl, outer.min), outer.max)})
        return outer
