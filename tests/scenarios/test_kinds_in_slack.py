"""Both kinds through Slack: the modal shows the chosen template's fields; the ready message says what to do."""

from __future__ import annotations

import hcl2

from bot.demo.slack_events import option_value
from bot.domain.states import State
from tests.support.harness import ALICE, Harness


def _choose(bot: Harness, template: str) -> dict:
    bot.send.interaction(
        {
            "type": "block_actions",
            "user": {"id": ALICE.id},
            "trigger_id": "1.t",
            "view": {
                "id": "V0MODAL",
                "hash": "h1",
                "type": "modal",
                "callback_id": "notebook_new_request",
                "state": {"values": {"template": {"template": option_value(template)}}},
            },
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "template",
                    "block_id": "template",
                    "selected_option": {"value": template},
                }
            ],
        }
    )
    bot.settle()
    (update,) = bot.slack.wait_for("views.update")
    return update.args


def test_choosing_a_template_shows_only_the_fields_it_lets_users_change(bot: Harness) -> None:
    update = _choose(bot, "spark-cluster")
    assert update["view_id"] == "V0MODAL" and update["hash"] == "h1"  # no lost concurrent edits
    blocks = {b["block_id"]: b for b in update["view"]["blocks"]}
    assert "worker_count" in blocks
    workers = blocks["worker_count"]["element"]
    assert (workers["min_value"], workers["max_value"], workers["initial_value"]) == ("2", "8", "2")
    chosen = blocks["template"]["element"]["initial_option"]["value"]
    assert chosen == "spark-cluster"
    idle = blocks["idle_minutes"]
    assert idle["label"]["text"].startswith("Stop the cluster after idle")  # it stops, it is not deleted
    assert "/notebook start" in idle["hint"]["text"]
    assert idle["element"]["initial_value"] == "120"  # the template's idle-stop TTL


def test_a_workbench_template_has_no_worker_field(bot: Harness) -> None:
    update = _choose(bot, "cpu-small")
    assert "worker_count" not in {b["block_id"] for b in update["view"]["blocks"]}


def test_a_personal_dataproc_cluster_arrives_with_the_personal_auth_command(bot: Harness) -> None:
    request = bot.ready(ALICE, "spark-cluster", "sparky", worker_count=4)
    assert request.state == State.READY and request.kind == "dataproc"
    assert request.url and "dataproc" in request.url
    ready = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
    assert len(ready) == 1
    text = str(ready[0]["blocks"])
    assert (
        f"gcloud dataproc clusters enable-personal-auth-session --project=acme-analytics "
        f"--region=europe-west1 {request.env_name}" in text
    )
    content = bot.repo.read_on_base(request.files[0])  # type: ignore[attr-defined]
    (module,) = hcl2.loads(content)["module"]
    (body,) = module.values()
    assert body["worker_count"] == 4
    assert body["owner_email"].strip('"') == ALICE.email


def test_a_serverless_spark_template_renders_the_session_template_option(bot: Harness) -> None:
    request = bot.ready(ALICE, "spark-notebook", "with-spark")
    content = bot.repo.read_on_base(request.files[0])  # type: ignore[attr-defined]
    (module,) = hcl2.loads(content)["module"]
    (body,) = module.values()
    assert body["spark_serverless"] is True
