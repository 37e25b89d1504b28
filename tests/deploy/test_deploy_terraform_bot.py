"""The bot's Terraform root: least privilege, secrets kept out of state, and the runtime the bot needs.

`terraform init` cannot download providers here, so the files are checked as parsed HCL (python-hcl2)
and with `terraform fmt`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ROOT = DEPLOY / "terraform" / "bot"

CUSTOM_ROLE_PERMISSIONS = {
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.start",
    "notebooks.instances.stop",
    "notebooks.operations.get",
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.start",
    "dataproc.clusters.stop",
    "dataproc.operations.get",
}
# DESIGN §3: the only names the bot reads from its environment (PORT is Cloud Run's to set).
CONTRACT_ENV = {
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "NOTEBOOK_BOT_STORE",
    "NOTEBOOK_BOT_REPO",
    "GITHUB_TOKEN",
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "GITHUB_APP_INSTALLATION_ID",
    "GITHUB_API_URL",
    "GITHUB_WEBHOOK_SECRET",
    "NOTEBOOK_BOT_CLOUD",
    "NOTEBOOKS_API_URL",
    "DATAPROC_API_URL",
    "NOTEBOOK_BOT_CONFIG",
    "NOTEBOOK_BOT_RECONCILE_AUDIENCE",
    "NOTEBOOK_BOT_RECONCILE_INVOKER",
    "NOTEBOOK_BOT_RECONCILE_SECRET",
    "NOTEBOOK_BOT_LOG_FORMAT",
    "NOTEBOOK_BOT_THREADS",
}


def unquote(value: Any) -> Any:
    """python-hcl2 7 and 8 differ in quoting and metadata; reduce both to plain values."""
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return unquote(hcl2.load(handle))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def root() -> dict[str, dict[str, Any]]:
    """The root's resources, data sources, variables and outputs: {"resource": {"type.name": body}, ...}."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(ROOT.glob("*.tf")):
        for kind, blocks in parse(path).items():
            for block in blocks:
                if kind in {"resource", "data"}:
                    for rtype, named in block.items():
                        for name, body in named.items():
                            merged.setdefault(kind, {})[f"{rtype}.{name}"] = body
                elif kind in {"variable", "output"}:
                    merged.setdefault(kind, {}).update(block)
    return merged


def resources(root: dict[str, dict[str, Any]], rtype: str) -> dict[str, Any]:
    return {k.split(".", 1)[1]: v for k, v in root["resource"].items() if k.split(".", 1)[0] == rtype}


def one(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(blocks) == 1
    return blocks[0]


def test_every_terraform_file_under_deploy_is_fmt_clean() -> None:
    """`terraform fmt -check -recursive deploy/`: the bot's root, the modules and the infra repository."""
    terraform = shutil.which("terraform")
    if terraform is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is not installed")
        pytest.skip("terraform is not installed")
    result = subprocess.run([terraform, "fmt", "-check", "-recursive", str(DEPLOY)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_google_provider_is_pinned_to_the_design_range(root: dict[str, dict[str, Any]]) -> None:
    versions = parse(ROOT / "versions.tf")["terraform"][0]["required_providers"][0]["google"]
    assert versions == {"source": "hashicorp/google", "version": ">= 6.46, < 9"}


def test_no_authoritative_iam_anywhere_under_deploy() -> None:
    authoritative = re.compile(r'resource\s+"(google_\w+_iam_(binding|policy))"')
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(1)}"
        for path in sorted(DEPLOY.rglob("*"))
        if path.is_file() and path.suffix in {".tf", ".j2", ".hcl"}
        for match in authoritative.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_bot_may_only_read_start_and_stop_environments(root: dict[str, dict[str, Any]]) -> None:
    role = resources(root, "google_project_iam_custom_role")["environment_operator"]
    assert set(role["permissions"]) == CUSTOM_ROLE_PERMISSIONS
    assert len(role["permissions"]) == len(CUSTOM_ROLE_PERMISSIONS)
    bot_roles = {
        member["role"]
        for member in resources(root, "google_project_iam_member").values()
        if member["member"] == "${google_service_account.bot.member}"
    }
    assert bot_roles == {
        "roles/datastore.user",
        "${google_project_iam_custom_role.environment_operator.name}",
    }


def test_each_secret_is_granted_to_the_bot_one_by_one(root: dict[str, dict[str, Any]]) -> None:
    (access,) = resources(root, "google_secret_manager_secret_iam_member").values()
    assert access["for_each"] == "${google_secret_manager_secret.bot}"
    assert access["role"] == "roles/secretmanager.secretAccessor"
    assert access["member"] == "${google_service_account.bot.member}"


def test_secret_values_never_enter_terraform_state(root: dict[str, dict[str, Any]]) -> None:
    assert resources(root, "google_secret_manager_secret_version") == {}
    assert resources(root, "google_service_account_key") == {}


def test_cloud_run_keeps_a_warm_instance_with_cpu_always_allocated(root: dict[str, dict[str, Any]]) -> None:
    service = resources(root, "google_cloud_run_v2_service")["bot"]
    template = one(service["template"])
    container = one(template["containers"])
    assert one(container["resources"])["cpu_idle"] is False
    assert one(template["scaling"])["min_instance_count"] == "${var.min_instances}"
    assert root["variable"]["min_instances"]["default"] >= 1
    # Concurrency follows the server's thread count, which the container is told too.
    assert template["max_instance_request_concurrency"] == "${var.threads}"
    assert root["variable"]["threads"]["default"] == 32


def test_cloud_run_gets_secrets_from_secret_manager_and_the_policy_as_a_file(
    root: dict[str, dict[str, Any]],
) -> None:
    template = one(resources(root, "google_cloud_run_v2_service")["bot"]["template"])
    container = one(template["containers"])
    env_blocks = [block["env"] for block in container["dynamic"]]
    secret_env = [b for b in env_blocks if "value_source" in one(b["content"])]
    ref = one(one(one(secret_env)["content"])["value_source"])["secret_key_ref"]
    assert one(ref)["secret"] == "${google_secret_manager_secret.bot[env.key].secret_id}"
    secrets_tf = (ROOT / "secrets.tf").read_text(encoding="utf-8")
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "GITHUB_WEBHOOK_SECRET",
        "GITHUB_APP_PRIVATE_KEY",
    ):
        assert f'"{name}"' in secrets_tf
    volume = one(template["volumes"])
    assert one(volume["secret"])["secret"] == '${google_secret_manager_secret.bot["policy"].secret_id}'
    assert one(container["volume_mounts"])["mount_path"] == "${local.policy_dir}"
    run_tf = (ROOT / "run.tf").read_text(encoding="utf-8")
    assert 'policy_dir = "/etc/notebook-bot"' in run_tf
    assert 'NOTEBOOK_BOT_CONFIG             = "${local.policy_dir}/policy.yaml"' in run_tf


def test_plain_environment_uses_only_contract_names_and_no_secrets() -> None:
    run_tf = (ROOT / "run.tf").read_text(encoding="utf-8")
    names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", run_tf))
    assert names <= CONTRACT_ENV
    assert not names & {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY"}
    assert "PORT" not in names  # reserved by Cloud Run


def test_slack_and_github_can_reach_the_service_without_an_all_users_binding(
    root: dict[str, dict[str, Any]],
) -> None:
    # allUsers is refused by the Domain Restricted Sharing org policy that many companies set.
    assert resources(root, "google_cloud_run_v2_service_iam_member") == {}
    assert not [m for m in resources(root, "google_project_iam_member").values() if m["member"] == "allUsers"]
    service = resources(root, "google_cloud_run_v2_service")["bot"]
    assert service["invoker_iam_disabled"] is True
    outputs = root["output"]
    assert outputs["slack_request_url"]["value"].endswith("/slack/events")
    assert outputs["github_webhook_url"]["value"].endswith("/github/webhook")
    assert outputs["service_account_email"]["value"] == "${google_service_account.bot.email}"


def test_scheduler_calls_reconcile_every_five_minutes_with_an_oidc_token(
    root: dict[str, dict[str, Any]],
) -> None:
    job = resources(root, "google_cloud_scheduler_job")["reconcile"]
    assert root["variable"]["reconcile_schedule"]["default"] == "*/5 * * * *"
    target = one(job["http_target"])
    assert target["http_method"] == "POST"
    token = one(target["oidc_token"])
    assert token["service_account_email"] == "${google_service_account.reconcile_invoker.email}"
    assert token["audience"] == target["uri"] == "${local.reconcile_url}"
    assert 'reconcile_url = "${local.base_url}/tasks/reconcile"' in (ROOT / "main.tf").read_text(encoding="utf-8")
    run_tf = (ROOT / "run.tf").read_text(encoding="utf-8")
    assert "NOTEBOOK_BOT_RECONCILE_AUDIENCE = local.reconcile_url" in run_tf
    assert "NOTEBOOK_BOT_RECONCILE_INVOKER  = google_service_account.reconcile_invoker.email" in run_tf


def test_firestore_indexes_come_from_the_shared_json(root: dict[str, dict[str, Any]]) -> None:
    database = resources(root, "google_firestore_database")["bot"]
    assert database["type"] == "FIRESTORE_NATIVE"
    index = resources(root, "google_firestore_index")["bot"]
    assert index["for_each"] == "${local.firestore_indexes}"
    firestore_tf = (ROOT / "firestore.tf").read_text(encoding="utf-8")
    assert 'file("${path.module}/../../firestore/indexes.json")' in firestore_tf
    indexes = json.loads((DEPLOY / "firestore" / "indexes.json").read_text(encoding="utf-8"))["indexes"]
    # The for_each key is collection plus fields; it must tell every entry apart.
    keys = {(i["collectionGroup"], tuple((f["fieldPath"], f.get("order")) for f in i["fields"])) for i in indexes}
    assert len(keys) == len(indexes)


def test_required_apis_are_enabled_without_being_disabled_on_destroy(root: dict[str, dict[str, Any]]) -> None:
    apis_tf = (ROOT / "apis.tf").read_text(encoding="utf-8")
    for api in (
        "run",
        "firestore",
        "secretmanager",
        "cloudscheduler",
        "iamcredentials",
        "notebooks",
        "dataproc",
    ):
        assert f'"{api}.googleapis.com"' in apis_tf
    assert resources(root, "google_project_service")["enabled"]["disable_on_destroy"] is False


def test_infra_ci_trusts_the_repository_by_id_and_apply_only_from_the_apply_workflow(
    root: dict[str, dict[str, Any]],
) -> None:
    provider = resources(root, "google_iam_workload_identity_pool_provider")["github"]
    mapping = provider["attribute_mapping"]
    assert mapping["attribute.repository_id"] == "assertion.repository_id"
    assert mapping["attribute.repository_owner_id"] == "assertion.repository_owner_id"
    assert mapping["attribute.workflow_ref"] == "assertion.workflow_ref"
    # python-hcl2 keeps the HCL escapes of the inner quotes.
    assert provider["attribute_condition"].replace("\\", "") == (
        'assertion.repository_id == "${var.github_repository_id}"'
        ' && assertion.repository_owner_id == "${var.github_repository_owner_id}"'
    )

    bindings = resources(root, "google_service_account_iam_member")
    assert bindings["infra_plan_wif"]["member"].endswith("/attribute.repository_id/${var.github_repository_id}")
    # Only the apply workflow on main may deploy: any other workflow (or a PR's rewrite of it) may not.
    assert bindings["infra_apply_wif"]["member"].endswith("/attribute.workflow_ref/${local.apply_workflow_ref}")
    assert 'apply_workflow_ref = "${var.github_repo}/${var.apply_workflow}"' in (ROOT / "infra_ci.tf").read_text(
        encoding="utf-8"
    )
    assert root["variable"]["apply_workflow"]["default"] == ".github/workflows/apply.yml@refs/heads/main"


def test_apply_identity_holds_a_custom_role_and_acts_only_as_the_vm_service_accounts(
    root: dict[str, dict[str, Any]],
) -> None:
    project_roles = {
        m["role"]
        for m in resources(root, "google_project_iam_member").values()
        if m["member"] == "${google_service_account.infra_apply.member}"
    }
    assert project_roles == {"${google_project_iam_custom_role.infra_apply.name}"}
    text = "".join(path.read_text(encoding="utf-8") for path in ROOT.glob("*.tf"))
    for broad in ("roles/notebooks.admin", "roles/dataproc.editor", "roles/editor", "roles/owner"):
        assert broad not in text
    role = resources(root, "google_project_iam_custom_role")["infra_apply"]
    assert role["project"] == "${local.environments_project}"
    for permission in ("notebooks.instances.create", "dataproc.clusters.create", "dataproc.sessionTemplates.create"):
        assert permission in str(role["permissions"])
    assert "iam.serviceAccounts.actAs" not in str(role["permissions"])
    # serviceAccountUser only on the VM accounts, never on the project (the bot's own account reads secrets).
    acting = resources(root, "google_service_account_iam_member")["infra_apply_vm_user"]
    assert acting["for_each"] == "${toset(local.vm_service_accounts)}"
    assert acting["role"] == "roles/iam.serviceAccountUser"
    project_level = [m for m in resources(root, "google_project_iam_member").values() if "serviceAccount" in m["role"]]
    assert project_level == []


def test_plan_identity_gets_viewer_roles_for_what_plan_reads(root: dict[str, dict[str, Any]]) -> None:
    assert root["variable"]["infra_ci_plan_roles"]["default"] == [
        "roles/notebooks.viewer",
        "roles/dataproc.viewer",
        "roles/serviceusage.serviceUsageConsumer",
    ]
    state = resources(root, "google_storage_bucket_iam_member")
    assert state["infra_state_plan"]["role"] == "roles/storage.objectViewer"
    assert state["infra_state_apply"]["role"] == "roles/storage.objectUser"


def test_environments_get_a_notebooks_subnet_with_private_google_access(root: dict[str, dict[str, Any]]) -> None:
    network = resources(root, "google_compute_network")["notebooks"]
    subnet = resources(root, "google_compute_subnetwork")["notebooks"]
    assert (network["name"], subnet["name"]) == ("notebooks", "notebooks")
    assert network["auto_create_subnetworks"] is False
    assert network["project"] == subnet["project"] == "${local.environments_project}"
    assert subnet["private_ip_google_access"] is True
    assert subnet["region"] == "${var.region}"
    # The shipped policy example points at exactly this network.
    policy = (DEPLOY / "policy.example.yaml").read_text(encoding="utf-8")
    assert "regions/europe-west1/subnetworks/notebooks" in policy


def test_users_get_what_their_environments_need_in_terraform(root: dict[str, dict[str, Any]]) -> None:
    role = resources(root, "google_project_iam_custom_role")["notebook_user"]
    assert "dataproc.clusters.use" in role["permissions"]
    grants = resources(root, "google_service_account_iam_member")["notebook_user_vm"]
    assert grants["role"] == "roles/iam.serviceAccountUser"


def test_firestore_has_point_in_time_recovery_and_backups(root: dict[str, dict[str, Any]]) -> None:
    database = resources(root, "google_firestore_database")["bot"]
    assert database["point_in_time_recovery_enablement"] == "POINT_IN_TIME_RECOVERY_ENABLED"
    schedules = resources(root, "google_firestore_backup_schedule")
    assert set(schedules) == {"daily", "weekly"}
    assert "daily_recurrence" in schedules["daily"] and "weekly_recurrence" in schedules["weekly"]


def test_artifact_registry_takes_an_optional_kms_key(root: dict[str, dict[str, Any]]) -> None:
    repository = resources(root, "google_artifact_registry_repository")["images"]
    assert repository["kms_key_name"] == "${var.kms_key}"
    assert root["variable"]["kms_key"]["default"] is None


def test_replay_claims_expire_by_a_firestore_ttl_policy_on_the_field_the_store_writes(
    root: dict[str, dict[str, Any]],
) -> None:
    field = resources(root, "google_firestore_field")["expiring_claims_ttl"]
    assert (field["collection"], field["field"]) == ("expiring_claims", "until")
    assert "ttl_config" in field
    store = (REPO / "bot" / "store" / "firestore.py").read_text(encoding="utf-8")
    assert 'collection("expiring_claims")' in store and '"until": until' in store
