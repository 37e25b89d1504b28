"""The edges of asking: more templates than one Slack menu holds, a quota said before the form, and
``/notebook list @alice`` however Slack sends the mention (``should_escape: true``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.demo.slack_events import option_value, text_value
from bot.slack.ids import View
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, BOB, Harness, running_bot
from tests.support.lifecycle_support import reply_texts

BASE = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
limits:
  idle_minutes: {min: 10, max: 1440, default: 180}
  lifetime_days: {min: 1, max: 90, default: 30}
  environments_per_user: 3
  environments_per_user_per_kind: {dataproc: 1}
templates:
"""
DATAPROC = (
    "    dataproc: {master_machine_type: n2-standard-4, worker_machine_type: n2-standard-4, worker_count: 2,"
    ' image_version: "2.2", idle_delete_ttl_minutes: 120}\n'
)


def templates(workbench: int, dataproc: int) -> str:
    text = "".join(
        f"  - {{id: wb-{i:03d}, title: Notebook {i}, kind: workbench, machine_type: e2-standard-4}}\n"
        for i in range(workbench)
    )
    for i in range(dataproc):
        text += f"  - id: dp-{i:03d}\n    title: Cluster {i}\n    kind: dataproc\n" + DATAPROC
    return BASE + text


def menu(view: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = view["blocks"][0]["element"]
    return element


def offered(view: dict[str, Any]) -> list[str]:
    element = menu(view)
    groups = element.get("option_groups") or [{"options": element.get("options") or []}]
    return [o["value"] for g in groups for o in g["options"]]


def test_more_than_a_hundred_templates_are_offered_in_groups_slack_accepts(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with running_bot(tmp_path, sqlite_store, policy=templates(140, 30)) as h:
        h.send.command(ALICE.id, "new")
        h.settle()

        (opened,) = h.slack.calls("views.open")
        groups = menu(opened.args["view"])["option_groups"]
        assert all(1 <= len(g["options"]) <= 100 and len(g["label"]["text"]) <= 75 for g in groups)
        assert len(groups) <= 100
        assert sorted(offered(opened.args["view"])) == sorted(t.id for t in h.policy.templates)

        h.send.submit_view(
            ALICE.id, View.NEW_REQUEST.value, {"template": option_value("wb-139"), "display_name": text_value("last")}
        )
        h.settle()
        assert h.only_request().template_id == "wb-139"


def test_a_user_at_their_limit_is_told_before_the_form(bot: Harness) -> None:
    bot.ask(name="first")
    bot.ask(name="second")  # the built-in policy allows two environments per user

    bot.send.command(ALICE.id, "new")
    bot.settle()

    assert bot.slack.calls("views.open") == []
    assert "You already have 2 environment(s), the most allowed is 2" in bot.replies()[-1]["text"]


def test_a_kind_at_its_limit_is_left_out_of_the_form(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, policy=templates(2, 2)) as h:
        h.ask(template="dp-000", name="cluster")

        h.send.command(ALICE.id, "new")
        h.settle()

        (opened,) = h.slack.calls("views.open")
        assert offered(opened.args["view"]) == ["wb-000", "wb-001"]


def test_an_admin_lists_one_persons_environments_however_slack_sends_the_mention(bot: Harness) -> None:
    bot.ask(ALICE, name="alices")
    bot.ask(BOB, name="bobs")
    said = len(bot.replies())

    for mention in ("<@U0ALICE|alice>", "<@U0ALICE>", "@alice", "&lt;@U0ALICE&gt;"):
        bot.send.command(ADMIN.id, f"list {mention}")
    bot.settle()

    answers = reply_texts(bot)[said:]
    assert len(answers) == 4
    assert all("alices" in a and "bobs" not in a for a in answers), answers


def test_an_unknown_handle_is_named_with_what_to_do(bot: Harness) -> None:
    bot.send.command(ADMIN.id, "list @nobody")
    bot.settle()

    assert "I don't know who `@nobody` is" in bot.replies()[-1]["text"]
