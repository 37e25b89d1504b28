"""From an approved request and its template to the renderer's input: the one place the two meet."""

from __future__ import annotations

from bot.cloud.base import CloudEnvironment, Kind
from bot.config.policy import Policy, Template
from bot.config.specs import Choices, environment_spec_for
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from renderers import EnvironmentSpec, RenderedEnvironment


def team_labels(person: Person, policy: Policy) -> dict[str, str]:
    """Cost-allocation labels for the user's team and cost centre, where the policy names them."""
    for team in policy.identity.teams:
        if person.user_id in team.users or person.usergroups & set(team.usergroups):
            return team.labels()
    return {}


def environment_spec(request: EnvironmentRequest, template: Template, policy: Policy) -> EnvironmentSpec:
    """The renderer's input for this request, with the user's choices inside the template's bounds."""
    worker_count = request.options.get("worker_count")
    choices = Choices(
        name=request.env_name,
        request_id=request.id,
        owner_email=request.owner_email,
        display_name=request.display_name,
        idle_minutes=request.idle_minutes,
        zone=str(request.options.get("zone") or "") or None,
        worker_count=None if worker_count is None else int(str(worker_count)),
        labels=dict(request.options.get("labels") or {}),
    )
    return environment_spec_for(template, policy, choices)


def render(request: EnvironmentRequest, template: Template, policy: Policy) -> RenderedEnvironment:
    """The environment's files, exactly as an approval writes them."""
    from renderers import render_environment  # Jinja loads with the first render, not at start

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
