"""The request form is built once per set of templates offered, and is the form built afresh would be."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import load_policy
from bot.pricing.quote import quote
from bot.pricing.table import PRICES_ENV, shipped_path
from bot.slack.modals import request_modal
from bot.slack.request_forms import RequestForms
from tests.support.harness import ALICE, BOB, Harness


def _forms_opened(bot: Harness, *users: str) -> list[dict[str, Any]]:
    for user in users:
        assert bot.send.command(user, "new").status == 200
        bot.settle()
    opened = bot.slack.wait_for("views.open", count=len(users))
    return [o.args["view"] if isinstance(o.args["view"], dict) else json.loads(o.args["view"]) for o in opened]


def test_the_kept_form_is_the_form_built_afresh_whichever_template_is_chosen() -> None:
    policy = load_policy(None)
    forms = RequestForms(policy)
    templates = list(policy.templates)
    for chosen in templates:
        assert forms.view(templates, chosen) == request_modal(templates, policy, chosen).to_dict()
        assert (
            forms.view(templates[1:] or templates, None) == request_modal(templates[1:] or templates, policy).to_dict()
        )


def test_a_second_person_offered_the_same_templates_costs_no_estimate(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    quoted: list[str] = []

    def counted(policy: Any, template: Any, **kw: Any) -> Any:
        quoted.append(template.id)
        return quote(policy, template, **kw)

    monkeypatch.setattr("bot.slack.costs.quote", counted)
    alice, bob = _forms_opened(bot, ALICE.id, BOB.id)
    assert alice == bob and alice["callback_id"] == "notebook_new_request"
    once = len(bot.policy.templates) + 1  # each option's figure, and the chosen template's estimate block
    assert len(quoted) == once, quoted


def test_a_new_price_table_shows_in_the_next_form(
    bot: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "prices.json"
    prices = json.loads(shipped_path().read_text())
    table.write_text(json.dumps(prices))
    monkeypatch.setenv(PRICES_ENV, str(table))
    (before,) = _forms_opened(bot, ALICE.id)
    assert "~$0.17/h" in json.dumps(before)

    def doubled(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: doubled(v) for k, v in node.items()}
        return node * 2 if isinstance(node, float) else node

    prices["regions"] = doubled(prices["regions"])
    prices["workbench_fee"] = doubled(prices["workbench_fee"])
    table.write_text(json.dumps(prices))
    stat = table.stat()
    os.utime(table, (stat.st_atime, stat.st_mtime + 10))  # a refresh within the same second still counts
    after = _forms_opened(bot, BOB.id)[-1]
    assert "~$0.17/h" not in json.dumps(after) and "~$0.3" in json.dumps(after)
