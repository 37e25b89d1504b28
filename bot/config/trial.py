"""The trial render: every template rendered as approvals will render it, before anyone asks (README, ``check-config``).

The policy's own checks hold the modules' bounds; this is the net under them. Each template is
rendered with its defaults and at every edge a user can choose (idle time, worker count, each zone)
and with each team's labels, through the same mapping and renderer an approval uses -- Dataproc
configurations included, which are parsed into the Dataproc API's own ``Cluster`` message. A policy
that passes cannot fail an approval for a reason the policy could have shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bot.config.policy import Policy, Template
from bot.config.specs import Choices, environment_spec_for
from renderers import RenderError, environment_name, render_environment

_REQUEST_ID = "trial-render"

# Renderer field → the policy key an admin edits to fix it (the longest prefix that matches wins).
_POLICY_KEYS = {
    "workbench.network": "gcp.network",
    "workbench.subnet": "gcp.subnet",
    "dataproc.network": "gcp.network",
    "dataproc.subnet": "gcp.subnet",
    "workbench.zone": "gcp.zones",
    "dataproc.zone": "gcp.zones",
    "region": "gcp.region",
    "project": "gcp.project",
    "module_source": "repo.module_source",
    "module_version": "repo.module_version",
    "path_template": "repo.path_layout",
    "shards": "repo.shards",
    "labels": "identity.teams",
    "owner_email": "identity.allowed_domains",
    "workbench.idle_minutes": "idle_minutes",
    "dataproc.idle_stop_ttl_seconds": "idle_minutes",
    "dataproc.worker_count": "worker_count",
}


def trial_render_problems(policy: Policy, *, api_schema: bool = True) -> list[str]:
    """One line per problem that would stop an approval of some template, each naming the policy key
    (``api_schema=False``: without parsing Dataproc configurations into the API's types, see ``serve``)."""
    problems: list[str] = []
    for index, template in enumerate(policy.templates):
        for choices in _choices(template, policy):
            try:
                render_environment(
                    environment_spec_for(template, policy, choices),
                    path_template=policy.repo.path_layout,
                    shards=policy.repo.shards,
                    api_schema=api_schema,
                )
            except RenderError as error:
                for problem in error.problems:
                    key = _policy_key(problem.field, index)
                    line = f"{key}: {problem.message} (template {template.id} would not render)"
                    if line not in problems:
                        problems.append(line)
    return problems


def _policy_key(field: str, index: int) -> str:
    for prefix in sorted(_POLICY_KEYS, key=len, reverse=True):
        if field == prefix or field.startswith(f"{prefix}."):
            key = _POLICY_KEYS[prefix]
            return key if key.startswith(("gcp.", "repo.", "identity.")) else f"templates[{index}].{key}"
    _, _, rest = field.partition(".")
    return f"templates[{index}].{rest or field}"


def _choices(template: Template, policy: Policy) -> Iterator[Choices]:
    """The template at its defaults, then one edge at a time: each idle and worker bound, zone and team."""
    email = f"trial.user@{policy.identity.allowed_domains[0]}"
    name = environment_name(email, _REQUEST_ID, template.kind)
    idle = policy.bound(template, "idle_minutes")
    base = Choices(
        name=name, request_id=_REQUEST_ID, owner_email=email, display_name="trial", idle_minutes=idle.default
    )
    yield base
    for minutes in (idle.min, idle.max):
        yield replace(base, idle_minutes=minutes)
    if template.kind == "dataproc":
        workers = policy.bound(template, "worker_count")
        for count in (workers.min, workers.max):
            yield replace(base, worker_count=count)
    for zone in policy.gcp.zones[1:]:
        yield replace(base, zone=zone)
    for team in policy.identity.teams:
        yield replace(base, labels=team.labels())
