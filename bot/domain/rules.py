"""The policy as pure functions: who may do what, within which bounds. Each refusal says why."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.policy import Policy, Template
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from bot.domain.states import ACTIVE, State

# ``options`` key of the admin who asked for an environment on its owner's behalf.
REQUESTED_BY = "requested_by"
SHORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")


@dataclass(frozen=True)
class RequestForm:
    """What a user filled in, already parsed from the modal (or the command line)."""

    template_id: str
    display_name: str
    idle_minutes: int | None = None
    lifetime_days: int | None = None
    reason: str = ""
    worker_count: int | None = None
    zone: str | None = None


def identity_refusal(person: Person, policy: Policy) -> str | None:
    """Why this person may not have an environment at all, or None."""
    if policy.slack.team_id and person.team_id != policy.slack.team_id:
        return "This bot serves one Slack workspace only, and your request came from another one."
    if person.deleted:
        return "This Slack account is deactivated."
    if person.is_bot:
        return "Bots cannot have notebook environments."
    if person.is_guest:
        return "Guest accounts cannot have notebook environments; ask a workspace member to request one."
    if not person.email:
        return (
            "Your Slack profile has no email address the bot can read, so it cannot give you a Google "
            "identity. Ask an admin to check the app has the users:read.email scope."
        )
    if person.domain not in policy.identity.allowed_domains:
        allowed = ", ".join(policy.identity.allowed_domains)
        return f"Your email domain ({person.domain}) is not one this bot serves ({allowed})."
    return None


def is_admin(person: Person, policy: Policy) -> bool:
    group = policy.slack.admin_usergroup
    return person.user_id in policy.slack.admins or (group is not None and group in person.usergroups)


def may_use(person: Person, template: Template) -> bool:
    if not template.users and not template.usergroups:
        return True
    return person.user_id in template.users or bool(person.usergroups & set(template.usergroups))


def templates_for(person: Person, policy: Policy) -> list[Template]:
    """The templates this person may choose from, in the policy's order."""
    return [t for t in policy.templates if may_use(person, t)]


def form_problems(
    form: RequestForm, person: Person, policy: Policy, existing: Iterable[EnvironmentRequest]
) -> dict[str, str]:
    """Field -> what is wrong with it (empty when the form is valid)."""
    problems: dict[str, str] = {}
    template = policy.template(form.template_id)
    if template is None or not may_use(person, template):
        return {"template": "Choose one of the offered templates."}
    if not SHORT_NAME.match(form.display_name):
        problems["display_name"] = "Use 1-30 lowercase letters, digits and hyphens, e.g. churn-model."
    elif any(r.display_name == form.display_name and r.state in ACTIVE for r in existing):
        problems["display_name"] = f"You already have an environment called {form.display_name}."
    for name, value in (
        ("idle_minutes", form.idle_minutes),
        ("lifetime_days", form.lifetime_days),
        ("worker_count", form.worker_count),
    ):
        if value is None:
            continue
        if name not in template.changeable:
            problems[name] = "This template does not let you change this."
            continue
        bound = policy.bound(template, name)
        if not bound.min <= value <= bound.max:
            problems[name] = f"Choose a number from {bound.min} to {bound.max}."
        elif name == "worker_count" and value == 1:
            problems[name] = "Dataproc needs 0 (single node) or at least 2 workers."
    if form.zone is not None and form.zone not in policy.gcp.zones:
        problems["zone"] = f"Choose one of {', '.join(policy.gcp.zones)}."
    if len(form.reason) > 500:
        problems["reason"] = "Keep the reason under 500 characters."
    return problems


def may_still_exist(request: EnvironmentRequest) -> bool:
    """Whether this request's environment exists, may exist, or is on its way to existing.

    Quotas count these. An environment being deleted exists until its removal merges and Google has
    removed it (and a removal closed unmerged brings it back to ready); one that failed while applying
    or deleting may be running in Google Cloud. One that failed before its pull request opened does not.
    """
    if request.state in ACTIVE or request.state == State.DELETING:
        return True
    return request.state == State.FAILED and request.failed_from in (State.APPLYING, State.DELETING)


def quota_refusal(template: Template, policy: Policy, existing: Iterable[EnvironmentRequest]) -> str | None:
    """Why one more environment would break the user's limits, or None (counting what may still exist)."""
    active = [r for r in existing if may_still_exist(r)]
    limit = policy.limits.environments_per_user
    if len(active) >= limit:
        deleting = _being_deleted(active)
        if deleting:
            return f"You already have {len(active)} environment(s), the most allowed is {limit}; {deleting}"
        return (
            f"You already have {len(active)} environment(s), the most allowed is {limit}. "
            "Delete one you no longer need (/notebook delete NAME) and ask again."
        )
    per_kind = policy.limits.environments_per_user_per_kind.get(template.kind)
    same_kind = [r for r in active if r.kind == template.kind]
    if per_kind is not None and len(same_kind) >= per_kind:
        deleting = _being_deleted(same_kind)
        said = f"You already have {len(same_kind)} {template.kind} environment(s); the most allowed is {per_kind}"
        return f"{said}; {deleting}" if deleting else f"{said}."
    return None


def _being_deleted(counted: list[EnvironmentRequest]) -> str:
    """Why an environment the user is deleting still counts, short enough for a modal's inline error."""
    names = [r.display_name for r in counted if r.state == State.DELETING]
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} still counts until it is deleted."
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"{names[0]}{more} still count until they are deleted."


def auto_approved(template: Template, person: Person, policy: Policy) -> bool:
    """Whether the policy approves this request without an admin."""
    if template.gpu is not None and policy.approval.gpu_requires_admin:
        return False
    if template.approval == "auto":
        return True
    for rule in policy.approval.auto:
        if rule.templates and template.id not in rule.templates:
            continue
        if rule.users and person.user_id not in rule.users:
            continue
        if rule.usergroups and not person.usergroups & set(rule.usergroups):
            continue
        if rule.without_gpu and template.gpu is not None:
            continue
        return True
    return False


def decision_refusal(request: EnvironmentRequest, admin: Person, policy: Policy) -> str | None:
    """Why this person may not approve or reject this request, or None."""
    if not is_admin(admin, policy):
        return "Only notebook admins can approve or reject requests."
    if admin.user_id == request.owner_user_id and not policy.slack.allow_self_approval:
        return "You cannot decide on your own request; another admin has to."
    if request.options.get(REQUESTED_BY) == admin.user_id and not policy.slack.allow_self_approval:
        return "You asked for this environment on someone's behalf; another admin has to decide on it."
    return None


def on_behalf_refusal(admin: Person, owner: Person, policy: Policy) -> str | None:
    """Why ``admin`` may not ask for an environment owned by ``owner``, or None (the owner's identity rules
    apply as if they had asked themselves)."""
    if not is_admin(admin, policy):
        return "Only notebook admins can ask for an environment on someone else's behalf."
    refusal = identity_refusal(owner, policy)
    return f"<@{owner.user_id}> cannot own an environment: {refusal}" if refusal else None


def may_manage(person: Person, request: EnvironmentRequest, policy: Policy) -> bool:
    """Owners manage their own environments; admins manage everyone's."""
    return person.user_id == request.owner_user_id or is_admin(person, policy)


@dataclass(frozen=True)
class Extension:
    """What an extension request comes to: the new expiry, or why there is none."""

    until: datetime | None
    refusal: str | None = None


def extension(
    request: EnvironmentRequest,
    template: Template | None,
    policy: Policy,
    now: datetime,
    days: int | None = None,
) -> Extension:
    """Keeps an environment longer, within the policy.

    The rule: an environment lives at most ``lifetime_days.max`` (of its template, else the global limit)
    counted from when it became ready. Extending adds ``days`` (default: the template's default lifetime)
    to the later of now and the current expiry, and is cut to that bound. Counting from ``ready_at`` (not
    from each extension) is what makes the bound a bound: repeated clicks cannot keep it forever.
    """
    if request.state != State.READY or request.ready_at is None or request.expires_at is None:
        return Extension(
            None,
            f"*{request.display_name}* is {request.state.label}; only a ready environment can be extended.",
        )
    bound = policy.bound(template, "lifetime_days") if template else policy.limits.lifetime_days
    wanted = bound.default if days is None else days
    if wanted < 1:
        return Extension(None, "Extend by at least one day.")
    limit = request.ready_at + timedelta(days=bound.max)
    until = min(max(request.expires_at, now) + timedelta(days=wanted), limit)
    if until <= request.expires_at:
        return Extension(
            None,
            f"*{request.display_name}* is already kept until "
            f"{request.expires_at:%Y-%m-%d}, the most the policy allows ({bound.max} days "
            "from when it became ready). Ask an admin if you need it longer.",
        )
    return Extension(until)


def lifetime_limit(request: EnvironmentRequest, template: Template | None, policy: Policy) -> datetime | None:
    """The latest an environment may be kept until (see ``extension``)."""
    if request.ready_at is None:
        return None
    bound = policy.bound(template, "lifetime_days") if template else policy.limits.lifetime_days
    return request.ready_at + timedelta(days=bound.max)


def approval_expired(request: EnvironmentRequest, policy: Policy, now: datetime) -> bool:
    """Whether nobody decided on a pending request within ``limits.approval_timeout_hours``."""
    return request.state == State.PENDING_APPROVAL and now - request.created_at >= timedelta(
        hours=policy.limits.approval_timeout_hours
    )
