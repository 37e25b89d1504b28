"""``view.state.values`` parsed once into typed form data."""

from __future__ import annotations

from typing import Any

from bot.domain.rules import RequestForm
from bot.slack.ids import Field


def _value(values: dict[str, Any], field: Field) -> Any:
    element = (values.get(field.value) or {}).get(field.value) or {}
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def _integer(values: dict[str, Any], field: Field, problems: dict[str, str]) -> int | None:
    raw = _value(values, field)
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError:
        problems[field.value] = "Enter a whole number."
        return None


def request_form(view: dict[str, Any]) -> tuple[RequestForm, dict[str, str]]:
    """The form a user submitted, and the problems found while reading it (not yet the policy's)."""
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    problems: dict[str, str] = {}
    template = _value(values, Field.TEMPLATE) or ""
    name = str(_value(values, Field.DISPLAY_NAME) or "").strip().lower()
    form = RequestForm(
        template_id=str(template),
        display_name=name,
        idle_minutes=_integer(values, Field.IDLE_MINUTES, problems),
        lifetime_days=_integer(values, Field.LIFETIME_DAYS, problems),
        worker_count=_integer(values, Field.WORKER_COUNT, problems),
        zone=_value(values, Field.ZONE),
        reason=str(_value(values, Field.REASON) or "").strip(),
    )
    return form, problems


def text_input(view: dict[str, Any], field: Field) -> str:
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    return str(_value(values, field) or "").strip()


def selected_template(view: dict[str, Any]) -> str | None:
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    element = (values.get(Field.TEMPLATE.value) or {}).get("template") or {}
    return (element.get("selected_option") or {}).get("value")
