"""The modules the rendered files call: every argument exists, every required one is passed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import hcl2
import pytest

from renderers import Gpu, render_environment
from renderers.readback import decode_hcl_string, parse_rendered

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MODULES = DEPLOY / "terraform" / "modules"
KINDS = ("workbench", "dataproc")


def _load(path: Path) -> dict:
    return hcl2.loads(path.read_text(encoding="utf-8"))


def _variables(kind: str) -> dict[str, dict]:
    document = _load(MODULES / kind / "variables.tf")
    return {decode_hcl_string(name): body for block in document["variable"] for name, body in block.items()}


def _module_text(kind: str) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted((MODULES / kind).glob("*.tf")))


@pytest.mark.parametrize("kind", KINDS)
def test_every_module_file_parses_and_has_the_standard_layout(kind: str) -> None:
    names = {path.name for path in (MODULES / kind).iterdir()}
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"} <= names
    for path in (MODULES / kind).glob("*.tf"):
        _load(path)
    for name, body in _variables(kind).items():
        assert body.get("description"), f"{kind}.{name} has no description"
        assert "type" in body, f"{kind}.{name} has no type"


@pytest.mark.parametrize("kind", KINDS)
def test_the_provider_is_pinned_to_the_range_with_these_resources(kind: str) -> None:
    (terraform,) = _load(MODULES / kind / "versions.tf")["terraform"]
    (providers,) = terraform["required_providers"]
    google = providers["google"]
    assert decode_hcl_string(google["source"]) == "hashicorp/google"
    assert decode_hcl_string(google["version"]) == ">= 6.46, < 9"


def _rendered_arguments(spec) -> dict:
    (module,) = parse_rendered(render_environment(spec).files[0].content)
    return module.arguments


@pytest.mark.parametrize("kind", KINDS)
def test_rendered_arguments_all_exist_and_cover_every_required_variable(
    kind: str, workbench_spec, dataproc_spec
) -> None:
    spec = workbench_spec(workbench={"gpu": Gpu("NVIDIA_L4", 1)}) if kind == "workbench" else dataproc_spec()
    passed = set(_rendered_arguments(spec)) - {"source", "version"}
    variables = _variables(kind)
    assert passed - set(variables) == set(), "rendered arguments missing from variables.tf"
    required = {name for name, body in variables.items() if "default" not in body}
    assert required - passed == set(), "required variables the renderer does not pass"


def test_this_check_would_catch_an_argument_the_module_lacks(workbench_spec) -> None:
    variables = _variables("workbench")
    del variables["idle_minutes"]
    assert set(_rendered_arguments(workbench_spec())) - {"source"} - set(variables) == {"idle_minutes"}


def test_workbench_module_is_single_user_with_end_user_credentials() -> None:
    (resource,) = _load(MODULES / "workbench" / "main.tf")["resource"][:1]
    instance = resource['"google_workbench_instance"']['"this"']
    assert instance["instance_owners"] == ["${var.owner_email}"]
    assert instance["enable_managed_euc"] is True
    assert decode_hcl_string(instance["desired_state"]) == "ACTIVE"
    (lifecycle,) = instance["lifecycle"]
    assert lifecycle["ignore_changes"] == ["desired_state"]
    (gce,) = instance["gce_setup"]
    (shielded,) = gce["shielded_instance_config"]
    assert shielded["enable_secure_boot"] == "${var.secure_boot}"  # off for GPU images with unsigned drivers
    assert shielded["enable_vtpm"] is True and shielded["enable_integrity_monitoring"] is True
    # Managed EUC refuses a custom service account: the module offers none.
    assert "service_accounts" not in gce
    assert "service_account" not in _variables("workbench")


def test_workbench_metadata_sets_idle_timeout_and_never_the_reserved_proxy_keys() -> None:
    text = _module_text("workbench")
    assert '"idle-timeout-seconds"      = tostring(var.idle_minutes * 60)' in text
    assert '"notebook-bot-display-name"' in text
    code = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    assert "proxy-mode" not in code and "proxy-user-mail" not in code


def test_serverless_spark_template_uses_end_user_credentials() -> None:
    text = _module_text("workbench")
    assert 'resource "google_dataproc_session_template" "spark"' in text
    assert 'user_workload_authentication_type = "END_USER_CREDENTIALS"' in text


def test_dataproc_module_is_a_personal_auth_jupyter_cluster() -> None:
    text = _module_text("dataproc")
    assert '"dataproc:dataproc.personal-auth.user" = var.owner_email' in text
    assert 'optional_components = ["JUPYTER"]' in text
    assert "enable_http_port_access = true" in text
    assert 'idle_stop_ttl = "${var.idle_stop_ttl_seconds}s"' in text
    code = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    assert "idle_delete_ttl" not in code  # Google must never delete a cluster whose file still exists


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("workbench", "https://${google_workbench_instance.this.proxy_uri}"),
        (
            "dataproc",
            'google_dataproc_cluster.this.cluster_config[0].endpoint_config[0].http_ports["JupyterLab"]',
        ),
    ],
)
def test_each_module_outputs_the_jupyterlab_url(kind: str, url: str) -> None:
    outputs = {
        decode_hcl_string(name): body
        for block in _load(MODULES / kind / "outputs.tf")["output"]
        for name, body in block.items()
    }
    assert url in (MODULES / kind / "outputs.tf").read_text(encoding="utf-8")
    assert "jupyter_url" in outputs


def test_no_authoritative_iam_anywhere_in_modules_or_infra_repo() -> None:
    paths = [*MODULES.rglob("*.tf"), *(DEPLOY / "infra-repo").rglob("*.tf")]
    assert paths
    for path in paths:
        assert not re.search(r"google_\w+_iam_(binding|policy)\b", path.read_text(encoding="utf-8")), path


def test_infra_repo_skeleton_is_complete() -> None:
    root = DEPLOY / "infra-repo"
    for relative in (
        "README.md",
        "environments/providers.tf",
        "environments/backend.tf",
        "environments/.gitkeep",
        "modules/README.md",
    ):
        assert (root / relative).exists(), relative
    (backend_block,) = _load(root / "environments" / "backend.tf")["terraform"]
    assert '"gcs"' in backend_block["backend"][0]
    assert "Each shard directory is its own Terraform root" in (root / "README.md").read_text(encoding="utf-8")


def test_modules_and_infra_repo_are_terraform_fmt_clean(terraform: str) -> None:
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(MODULES), str(DEPLOY / "infra-repo")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _resources(kind: str) -> dict[str, dict]:
    document = _load(MODULES / kind / "main.tf")
    return {
        f"{decode_hcl_string(rtype)}.{decode_hcl_string(name)}": body
        for block in document["resource"]
        for rtype, named in block.items()
        for name, body in named.items()
    }


def test_the_owners_own_access_is_granted_per_environment_with_member_resources_when_asked() -> None:
    dataproc = _resources("dataproc")["google_dataproc_cluster_iam_member.owner"]
    assert dataproc["count"] == "${var.owner_role == null ? 0 : 1}"
    assert dataproc["cluster"] == "${google_dataproc_cluster.this.name}"
    assert dataproc["member"] == '"user:${var.owner_email}"'
    assert _variables("dataproc")["owner_role"]["default"] is None  # deploy/terraform/bot grants it by default
    workbench = _resources("workbench")["google_service_account_iam_member.owner_acts_as_vm"]
    assert decode_hcl_string(workbench["role"]) == "roles/iam.serviceAccountUser"
    assert workbench["member"] == '"user:${var.owner_email}"'
    (condition,) = workbench["condition"]
    assert condition["title"] == '"notebook-bot ${var.name}"'  # each environment's grant is its own
    assert _variables("workbench")["grant_owner_service_account_user"]["default"] is False


def test_customer_managed_keys_reach_the_disks_of_both_kinds() -> None:
    (gce,) = _resources("workbench")["google_workbench_instance.this"]["gce_setup"]
    for disk in (*gce["boot_disk"], *gce["data_disks"]):
        assert disk["kms_key"] == "${var.kms_key}"
        assert disk["disk_encryption"] == '${var.kms_key == null ? null : "CMEK"}'
    text = _module_text("dataproc")
    assert 'dynamic "encryption_config"' in text and "kms_key_name = encryption_config.value" in text
