"""``notebook-bot render``: one environment rendered exactly as an approval would render it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config.policy import Policy
from bot.domain import rules
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest, new_request_id
from bot.workflow.rendering import render, team_labels
from renderers import RenderError, environment_name
from renderers.patterns import REQUEST_ID, email_problem

_INTEGERS = {"idle_minutes", "lifetime_days", "worker_count"}
_KEYS = _INTEGERS | {"display_name", "zone", "reason", "team"}
# Renderer fields that come from this command's own options.
_OPTIONS = {"owner_email": "user", "request_id": "--request-id"}


def _parse_sets(sets: list[str], problems: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in sets:
        key, eq, value = item.partition("=")
        if not eq:
            problems.append(f"--set {item}: expected KEY=VALUE")
        elif key not in _KEYS:
            problems.append(f"--set {key}: unknown key (known: {', '.join(sorted(_KEYS))})")
        else:
            values[key] = value
    return values


def _labels(person: Person, policy: Policy, team_name: str | None, problems: list[str]) -> dict[str, str]:
    """The team labels an approval would put on this person's environment; ``--set team=NAME`` picks the team."""
    if team_name is None:
        return team_labels(person, policy)
    team = next((t for t in policy.identity.teams if t.name == team_name), None)
    if team is None:
        known = ", ".join(t.name for t in policy.identity.teams) or "none in identity.teams"
        problems.append(f"--set team={team_name}: unknown team (known: {known})")
        return {}
    return team.labels()


def render_command(
    policy: Policy, *, template_id: str, email: str, sets: list[str], out: str | None, request_id: str | None
) -> int:
    """Renders one environment of ``template_id`` for ``email`` exactly as an approval would, team labels
    included; prints the files (or writes them under ``out``). Bad input: one line per problem, exit 2."""
    problems: list[str] = []
    values = _parse_sets(sets, problems)
    email_wrong = email_problem(email)
    if email_wrong is not None:
        problems.append(f"user: {email_wrong}")
    if request_id is not None and not REQUEST_ID.fullmatch(request_id):
        problems.append("--request-id: must be lowercase letters, digits and '-', at most 63 characters")
    numbers: dict[str, int | None] = {}
    for key in _INTEGERS:
        raw = values.get(key)
        try:
            numbers[key] = int(raw) if raw is not None else None
        except ValueError:
            problems.append(f"{key}: {raw!r} is not a whole number")
            numbers[key] = None
    template = policy.template(template_id)
    # The command line has no Slack identity: render as someone the template is offered to would get it.
    person = Person(
        user_id=template.users[0] if template and template.users else "UCLI",
        team_id="",
        email=email,
        name=email,
        usergroups=frozenset(template.usergroups) if template else frozenset(),
    )
    refusal = rules.identity_refusal(person, policy) if email_wrong is None else None
    if refusal:
        problems.append(f"user: {refusal}")
    labels = _labels(person, policy, values.get("team"), problems)
    if template is None:
        problems.append(
            f"template: unknown template {template_id!r} (known: {', '.join(t.id for t in policy.templates)})"
        )
    form = rules.RequestForm(
        template_id=template_id,
        display_name=values.get("display_name", "notebook"),
        idle_minutes=numbers["idle_minutes"],
        lifetime_days=numbers["lifetime_days"],
        worker_count=numbers["worker_count"],
        zone=values.get("zone"),
    )
    if template is not None and not problems:
        problems += [f"{k}: {v}" for k, v in rules.form_problems(form, person, policy, []).items()]
    if problems or template is None:
        return _refuse(problems)
    rid = request_id or new_request_id()
    now = datetime.now(UTC)
    options: dict[str, object] = {"labels": labels}
    if form.worker_count is not None:
        options["worker_count"] = form.worker_count
    if form.zone:
        options["zone"] = form.zone
    try:
        env_name = environment_name(email, rid, template.kind)
    except RenderError as e:
        return _refuse([f"{_OPTIONS.get(p.field, p.field)}: {p.message}" for p in e.problems])
    request = EnvironmentRequest(
        id=rid,
        owner_user_id="UCLI",
        owner_email=email,
        owner_name=email,
        team_id="",
        template_id=template.id,
        kind=template.kind,
        display_name=form.display_name,
        reason=values.get("reason", ""),
        idle_minutes=form.idle_minutes or policy.bound(template, "idle_minutes").default,
        lifetime_days=form.lifetime_days or policy.bound(template, "lifetime_days").default,
        env_name=env_name,
        created_at=now,
        updated_at=now,
        options=options,
    )
    try:
        rendered = render(request, template, policy)
    except RenderError as e:
        return _refuse([f"{_OPTIONS.get(p.field, p.field)}: {p.message}" for p in e.problems])
    for f in rendered.files:
        if out:
            target = Path(out) / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f.content, encoding="utf-8")
            print(target)
        else:
            print(f"# {f.path}")
            print(f.content, end="")
    return 0


def _refuse(problems: list[str]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    return 2
