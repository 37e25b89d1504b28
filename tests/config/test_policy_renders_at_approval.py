"""What passes `check-config` works at approval time: a policy that would fail an approval is refused first,
in one line that names the key; the shipped policies pass and every template in them renders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.load import PolicyError, load_policy, parse_policy
from bot.config.policy import Policy
from bot.config.specs import Choices, environment_spec_for
from bot.config.trial import trial_render_problems
from renderers import environment_name, render_environment
from renderers.readback import parse_rendered

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "policy.example.yaml"
BUILT_IN = ROOT / "bot" / "defaults" / "policy.yaml"
SHIPPED = {"deploy/policy.example.yaml": EXAMPLE, "bot/defaults/policy.yaml": BUILT_IN}


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--policy-only"],
        capture_output=True,
        text=True,
        env={"NOTEBOOK_BOT_CONFIG": str(path), "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def example_with(old: str, new: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


def render_edges(policy: Policy) -> dict[str, list[dict]]:
    """Every template rendered at its defaults and at each idle/worker bound, as module arguments."""
    out: dict[str, list[dict]] = {}
    for template in policy.templates:
        email = f"alice@{policy.identity.allowed_domains[0]}"
        name = environment_name(email, "r1", template.kind)
        idle = policy.bound(template, "idle_minutes")
        workers = policy.bound(template, "worker_count") if template.kind == "dataproc" else None
        cases = [Choices(name, "r1", email, "x", minutes) for minutes in (idle.min, idle.default, idle.max)]
        if workers is not None:
            cases += [Choices(name, "r1", email, "x", idle.default, worker_count=n) for n in (workers.min, workers.max)]
        teams = [t.labels() for t in policy.identity.teams]
        cases += [Choices(name, "r1", email, "x", idle.default, labels=labels) for labels in teams]
        out[template.id] = []
        for choices in cases:
            rendered = render_environment(environment_spec_for(template, policy, choices))
            (module,) = parse_rendered(rendered.files[0].content)
            out[template.id].append(module.arguments)
    return out


@pytest.mark.parametrize("shipped", sorted(SHIPPED))
def test_the_shipped_policies_pass_check_config_and_every_template_renders(shipped: str) -> None:
    done = check_config(SHIPPED[shipped])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
    policy = load_policy(SHIPPED[shipped])
    assert trial_render_problems(policy) == []
    rendered = render_edges(policy)
    assert set(rendered) == {t.id for t in policy.templates}
    assert all(rendered.values())


def test_the_examples_spark_cluster_renders_with_the_subnet_and_workbench_gets_both() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.gcp.network and policy.gcp.subnet  # the example names the VPC the bot's Terraform creates
    rendered = render_edges(policy)
    for arguments in rendered["spark-cluster"]:
        assert arguments["subnet"] == policy.gcp.subnet and arguments["network"] is None
    for arguments in rendered["cpu-small"]:
        assert (arguments["network"], arguments["subnet"]) == (policy.gcp.network, policy.gcp.subnet)


def test_the_example_uses_the_network_the_deployment_creates() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.gcp.network == f"projects/{policy.gcp.project}/global/networks/notebooks"
    # deploy/terraform/bot/network.tf: network "notebooks" and its subnet "notebooks" in the bot's region
    assert policy.gcp.subnet == f"projects/{policy.gcp.project}/regions/{policy.gcp.region}/subnetworks/notebooks"


NINE = [
    (("name: growth", "name: Growth Team"), "identity.teams[0].name: 'Growth Team' is not a valid label value"),
    (("cost_center: cc-1234", "cost_center: CC 1234"), "identity.teams[0].cost_center: 'CC 1234' is not a valid"),
    (("  subnet: projects", "  # subnet: projects"), None),  # network alone: workbench needs both (trial render)
    (("data_disk_gb: 200", "data_disk_gb: 200\n    boot_disk_gb: 65000"), "templates[1].boot_disk_gb:"),
    (("NVIDIA_TESLA_T4", "NVIDIA_X"), "templates[1].gpu.type: must be an accelerator Workbench offers"),
    (
        ("data_disk_gb: 200", "data_disk_gb: 200\n    image_project: deeplearning-platform-release"),
        "templates[1]: give image_project and image_family together",
    ),
    (("module_source: modules ", "module_source: 'git::https://x y' "), "repo.module_source: must be a path or URL"),
    (
        ("module_source: modules ", "module_source: ../../modules "),
        "repo.module_source: a local path must be relative to the repository root",
    ),
    (
        ("module_version: null", "module_version: 'v1 2'"),
        None,  # a version with a local source is ignored; with a git source it is refused:
    ),
    (
        ('image_version: "2.2"', 'image_version: "2.2"\n      master_disk_gb: 70000'),
        "templates[3].dataproc.master_disk_gb:",
    ),
    (
        ('image_version: "2.2"', 'image_version: "2.2"\n      worker_disk_gb: 20'),
        "templates[3].dataproc.worker_disk_gb:",
    ),
    (("max: 10, default: 2}", "max: 5000, default: 2}"), "templates[3]: worker_count.max must be at most 1000"),
    (("worker_count: 2\n", "worker_count: 1\n"), "templates[3].dataproc: worker_count must be 0 (single node)"),
]


@pytest.mark.parametrize(("change", "expected"), [c for c in NINE if c[1] is not None], ids=lambda v: str(v)[:40])
def test_a_policy_that_would_fail_every_approval_is_refused_in_one_line_naming_the_key(
    change: tuple[str, str], expected: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(example_with(*change))
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(expected), caught.value.problems


def test_a_bad_module_version_for_a_git_source_is_refused() -> None:
    text = example_with("module_source: modules ", "module_source: git::https://github.com/acme/tf.git ")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.replace("module_version: null", "module_version: 'v1 2'"))
    assert caught.value.problems == ["repo.module_version: must be a git tag, branch or commit"]


def test_what_only_a_render_shows_is_caught_by_the_trial_render() -> None:
    # The keys are each fine; together they cannot render a Workbench instance (it needs a subnet too).
    text = example_with("  subnet: projects", "  # subnet: projects")
    policy = parse_policy(text, trial_render=False)
    assert trial_render_problems(policy) == [
        "gcp.subnet: network and subnet go together (template cpu-small would not render)",
        "gcp.subnet: network and subnet go together (template gpu-t4 would not render)",
        "gcp.subnet: network and subnet go together (template spark-notebook would not render)",
    ]
    with pytest.raises(PolicyError):
        parse_policy(text)


def test_check_config_prints_one_line_per_problem_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(example_with("NVIDIA_TESLA_T4", "NVIDIA_X").replace("name: growth", "name: Growth Team"))
    done = check_config(bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{bad}: identity.teams[0].name: 'Growth Team' is not a valid label value")
    assert lines[1].startswith(f"{bad}: templates[1].gpu.type:")


def test_a_key_given_twice_is_refused_with_its_lines(tmp_path: Path) -> None:
    text = example_with("  region: europe-west1\n", "  region: europe-west1\n  region: europe-west4\n")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert caught.value.problems == ["key 'region' is given twice (lines 6 and 7); give it once"]
    nested = example_with("    approval: auto ", "    approval: auto\n    approval: required ")
    with pytest.raises(PolicyError, match="key 'approval' is given twice"):
        parse_policy(nested)


def test_a_binary_file_gives_one_line_not_a_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "policy.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    done = check_config(binary)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert line == f"{binary}: not a text file (byte 128 is not UTF-8): give the policy YAML file"
    text_with_controls = tmp_path / "controls.yaml"
    text_with_controls.write_text("gcp:\x00\x01\n", encoding="utf-8")
    done = check_config(text_with_controls)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert line.startswith(f"{text_with_controls}: not valid YAML:")


def test_the_old_idle_delete_key_still_reads_and_means_stop() -> None:
    policy = parse_policy(example_with("idle_stop_ttl_minutes: 120", "idle_delete_ttl_minutes: 45"))
    cluster = policy.template("spark-cluster")
    assert cluster is not None and cluster.dataproc_shape.idle_stop_ttl_minutes == 45


def test_gpu_templates_render_without_secure_boot_unless_the_template_says_so() -> None:
    rendered = render_edges(load_policy(EXAMPLE))
    assert {a["secure_boot"] for a in rendered["gpu-t4"]} == {False}  # unsigned GPU drivers do not load
    assert {a["secure_boot"] for a in rendered["cpu-small"]} == {True}
    forced = parse_policy(example_with("data_disk_gb: 200", "data_disk_gb: 200\n    secure_boot: true"))
    assert {a["secure_boot"] for a in render_edges(forced)["gpu-t4"]} == {True}


def test_a_customer_managed_key_reaches_both_kinds() -> None:
    key = "projects/acme-keys/locations/europe-west1/keyRings/notebooks/cryptoKeys/disks"
    text = example_with("    approval: auto ", f"    kms_key: {key}\n    approval: auto ")
    text = text.replace(
        "    changeable: [idle_minutes, lifetime_days, worker_count]",
        f"    kms_key: {key}\n    changeable: [idle_minutes, lifetime_days, worker_count]",
    )
    rendered = render_edges(parse_policy(text))
    assert {a["kms_key"] for a in rendered["cpu-small"]} == {key}
    assert {a["kms_key"] for a in rendered["spark-cluster"]} == {key}
    assert {a["kms_key"] for a in rendered["gpu-t4"]} == {None}
    with pytest.raises(PolicyError, match=r"templates\[0\]\.kms_key: must be a Cloud KMS key"):
        parse_policy(example_with("    approval: auto ", "    kms_key: my-key\n    approval: auto "))


def test_a_subnet_alone_serves_dataproc_but_not_workbench() -> None:
    dataproc_only = """\
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b], subnet: notebooks}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
templates:
  - {id: spark-cluster, title: Spark, kind: dataproc}
"""
    policy = parse_policy(dataproc_only)
    (arguments,) = render_edges(policy)["spark-cluster"][:1]
    assert (arguments["network"], arguments["subnet"]) == (None, "notebooks")
    with_workbench = dataproc_only + "  - {id: cpu-small, title: CPU, kind: workbench, machine_type: e2-standard-4}\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(with_workbench)
    assert caught.value.problems == ["gcp.subnet: network and subnet go together (template cpu-small would not render)"]
