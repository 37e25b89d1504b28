"""Whatever a user types, the rendered file parses, has exactly the expected shape, and round-trips."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderers import EnvironmentSpec, RenderError, environment_name, label_value, render_environment
from renderers.readback import parse_rendered

WORKBENCH_ARGUMENTS = {
    "source",
    "name",
    "project",
    "region",
    "zone",
    "owner_email",
    "display_name",
    "machine_type",
    "gpu_type",
    "gpu_count",
    "boot_disk_gb",
    "data_disk_gb",
    "image_project",
    "image_family",
    "disable_public_ip",
    "secure_boot",
    "kms_key",
    "network",
    "subnet",
    "idle_minutes",
    "spark_serverless",
    "labels",
}
DATAPROC_ARGUMENTS = {
    "source",
    "name",
    "project",
    "region",
    "zone",
    "owner_email",
    "display_name",
    "image_version",
    "master_machine_type",
    "master_disk_gb",
    "worker_machine_type",
    "worker_count",
    "worker_disk_gb",
    "network",
    "subnet",
    "service_account",
    "kms_key",
    "idle_stop_ttl_seconds",
    "labels",
}
NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

fragments = st.sampled_from(
    [
        '"',
        "\\",
        "${var.project}",
        "%{ if true }",
        "}",
        "{",
        "$",
        "%",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\u202e",
        "😀",
        "e\u0301",
        "#",
        "*/",
        "<<EOF\n",
        "'",
        " ",
    ]
)
display_names = st.lists(
    st.one_of(fragments, st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)),
    max_size=20,
).map("".join)
long_display_names = display_names.filter(bool).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000])

# Emails with the strange-but-valid local parts RFC 5322 dot-atoms allow ($, {, }, %, ', / ...).
atext = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=12)
local_parts = st.lists(atext, min_size=1, max_size=4).map(".".join).filter(lambda s: len(s) <= 64)
domains = st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True), min_size=1, max_size=3).map(
    lambda labels: ".".join([*labels, "com"])
)
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


def _only_module(content: str):
    (module,) = parse_rendered(content)
    return module


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(display_name=st.one_of(display_names, long_display_names), email=emails)
def test_workbench_file_round_trips_any_display_name_and_email(workbench_spec, display_name: str, email: str) -> None:
    spec = workbench_spec(display_name=display_name, owner_email=email)
    (file,) = render_environment(spec).files
    module = _only_module(file.content)
    assert module.name == spec.name
    assert set(module.arguments) == WORKBENCH_ARGUMENTS
    assert module.arguments["display_name"] == display_name
    assert module.arguments["owner_email"] == email
    assert module.arguments["labels"]["owner"] == label_value(email)
    assert module.arguments["idle_minutes"] == 180
    assert module.arguments["gpu_type"] is None
    assert module.arguments["disable_public_ip"] is True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(display_name=display_names, email=emails, workers=st.sampled_from([0, 2, 5]))
def test_dataproc_file_round_trips_any_display_name_and_email(
    dataproc_spec, display_name: str, email: str, workers: int
) -> None:
    spec = dataproc_spec(display_name=display_name, owner_email=email, dataproc={"worker_count": workers})
    module = _only_module(render_environment(spec).files[0].content)
    assert set(module.arguments) == DATAPROC_ARGUMENTS
    assert module.arguments["display_name"] == display_name
    assert module.arguments["owner_email"] == email
    assert module.arguments["worker_count"] == workers
    assert module.arguments["image_version"] == "2.2-debian12"


@settings(max_examples=300)
@given(
    email=emails,
    request_id=st.from_regex(r"[a-z0-9]{10}", fullmatch=True),
    kind=st.sampled_from(["workbench", "dataproc"]),
)
def test_environment_names_are_valid_for_gcp_and_terraform(email: str, request_id: str, kind: str) -> None:
    name = environment_name(email, request_id, kind)
    assert NAME.fullmatch(name) and len(name) <= 40
    assert name == environment_name(email, request_id, kind)


@settings(max_examples=200)
@given(value=st.text(max_size=300))
def test_label_values_always_fit_gcp_rules(value: str) -> None:
    label = label_value(value)
    assert re.fullmatch(r"[a-z0-9_-]{0,63}", label)
    assert label == label_value(value)


strict_fields = {
    "template_id": st.sampled_from(['cpu"small', "cpu-${x}", "CPU", "a b", "x\n", ""]),
    "project": st.sampled_from(['acme"', "acme-${x}", "Acme-analytics", "a", "acme\nanalytics"]),
    "region": st.sampled_from(["europe west1", "${var.r}", "EU", ""]),
    "request_id": st.sampled_from(["R7K", "r7k\n", "r7k${x}", "", "-r7k"]),
}


@settings(max_examples=60)
@given(data=st.data())
def test_strictly_validated_fields_refuse_anything_that_would_need_escaping(workbench_spec, data) -> None:
    field = data.draw(st.sampled_from(sorted(strict_fields)))
    value = data.draw(strict_fields[field])
    with pytest.raises(RenderError) as caught:
        render_environment(workbench_spec(**{field: value}))
    assert field in caught.value.fields


@settings(max_examples=60)
@given(
    field=st.sampled_from(["machine_type", "zone", "image_family"]),
    value=st.sampled_from(['e2"std', "e2-${x}", "E2-STANDARD-4", "e2 standard", "zone\n"]),
)
def test_workbench_identifiers_refuse_bad_values(workbench_spec, field: str, value: str) -> None:
    overrides = {field: value}
    if field == "image_family":
        overrides["image_project"] = "deeplearning-platform-release"
    with pytest.raises(RenderError) as caught:
        render_environment(workbench_spec(workbench=overrides))
    assert f"workbench.{field}" in caught.value.fields


def test_many_random_files_are_all_terraform_fmt_clean(
    terraform: str, tmp_path: Path, workbench_spec, dataproc_spec
) -> None:
    # A fixed adversarial set rather than hypothesis draws: one terraform run checks them all.
    names = ['q"uote', "${x}\n%{y}", "\\", "😀" * 50, "a\tb", "", "x" * 10_000]
    emails_ = ["alice@example.com", "o'neil+${x}@example.com", "a{b}%c@sub.example.co"]
    specs: list[EnvironmentSpec] = []
    for index, display_name in enumerate(names):
        email = emails_[index % len(emails_)]
        specs.append(workbench_spec(display_name=display_name, owner_email=email))
        specs.append(dataproc_spec(display_name=display_name, owner_email=email, dataproc={"worker_count": 2}))
    for index, spec in enumerate(specs):
        (tmp_path / f"f{index}.tf").write_text(render_environment(spec).files[0].content, encoding="utf-8")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
