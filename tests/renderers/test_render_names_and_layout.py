"""Names, label values, module sources and file layout: deterministic and collision-free."""

from __future__ import annotations

from collections import Counter

import pytest

from renderers import RenderError, environment_name, label_value, render_environment
from renderers.layout import file_path, shard_of
from renderers.sources import classify, module_source


def test_environment_name_has_the_documented_shape() -> None:
    name = environment_name("Alice.O'Neil+ml@Example.com", "r7k3m9qx2a", "workbench")
    assert name.startswith("nb-alice-o-neil-ml-")
    assert len(name.rsplit("-", 1)[1]) == 10
    assert name == environment_name("alice.o'neil+ml@example.com", "r7k3m9qx2a", "dataproc")


def test_same_local_part_in_other_domains_or_requests_never_collides() -> None:
    names = {
        environment_name(f"alice@{domain}", request_id, "workbench")
        for domain in ("example.com", "example.org", "other.example.com")
        for request_id in ("r7k3m9qx2a", "r7k3m9qx2b", "a1")
    }
    assert len(names) == 9


def test_long_local_parts_are_truncated_and_the_name_stays_within_dataproc_limits() -> None:
    name = environment_name(("x" * 60) + "@example.com", "r7k3m9qx2a", "dataproc")
    assert len(name) <= 40
    symbols_only = environment_name("+++@example.com", "r7k3m9qx2a", "workbench")
    assert symbols_only.startswith("nb-") and len(symbols_only) == 13


def test_environment_name_validates_its_inputs() -> None:
    with pytest.raises(RenderError) as caught:
        environment_name("not an email", "R7K!", "vm")
    assert caught.value.fields == ["owner_email", "request_id", "kind"]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("alice@example.com", "alice_example_com"),
        ("Bob.Smith+ML@Example.org", "bob_smith_ml_example_org"),
        ("team-a_b", "team-a_b"),
        ("Zoë", "zo_"),
    ],
)
def test_label_values(value: str, label: str) -> None:
    assert label_value(value) == label


def test_long_label_values_keep_a_hash_so_they_stay_distinct() -> None:
    first, second = label_value("a" * 80 + "x"), label_value("a" * 80 + "y")
    assert len(first) == len(second) == 63
    assert first != second


def test_shards_are_stable_and_spread() -> None:
    names = [environment_name(f"user{i}@example.com", "r7k3m9qx2a", "workbench") for i in range(800)]
    counts = Counter(shard_of(name, 8) for name in names)
    assert set(counts) == set(range(8))
    assert min(counts.values()) > 60  # roughly even: 100 expected per shard
    assert [shard_of(n, 8) for n in names] == [shard_of(n, 8) for n in names]


def test_sharded_paths_and_custom_layouts(workbench_spec) -> None:
    spec = workbench_spec()
    assert file_path(spec.name, "environments/{name}.tf", 0) == f"environments/{spec.name}.tf"
    shard = shard_of(spec.name, 16)
    assert file_path(spec.name, "environments/{name}.tf", 16) == f"environments/shard-{shard:02d}/{spec.name}.tf"
    rendered = render_environment(spec, path_template="roots/{shard}/env-{name}.tf", shards=4)
    assert rendered.files[0].path == f"roots/{shard_of(spec.name, 4)}/env-{spec.name}.tf"
    assert 'source = "../../modules/workbench"' in rendered.files[0].content
    at_root = render_environment(spec, path_template="{name}.tf")
    assert 'source = "./modules/workbench"' in at_root.files[0].content


@pytest.mark.parametrize(
    ("source", "version", "expected_source", "expected_version"),
    [
        ("modules", "v9", "../modules/workbench", None),
        ("infra/modules", None, "../infra/modules/workbench", None),
        (
            "git::https://github.com/acme/tf.git//notebook-bot",
            "v1.4.0",
            "git::https://github.com/acme/tf.git//notebook-bot/workbench?ref=v1.4.0",
            None,
        ),
        (
            "git::https://github.com/acme/tf.git",
            "main",
            "git::https://github.com/acme/tf.git//workbench?ref=main",
            None,
        ),
        (
            "git::https://github.com/acme/tf.git//m?depth=1",
            "v2",
            "git::https://github.com/acme/tf.git//m/workbench?depth=1&ref=v2",
            None,
        ),
        (
            "git::ssh://git@github.com/acme/tf.git//m?ref=v3",
            None,
            "git::ssh://git@github.com/acme/tf.git//m/workbench?ref=v3",
            None,
        ),
        ("acme/notebook-bot/google", "~> 1.4", "acme/notebook-bot/google//workbench", "~> 1.4"),
        (
            "app.terraform.io/acme/notebook-bot/google//modules",
            "1.4.0",
            "app.terraform.io/acme/notebook-bot/google//modules/workbench",
            "1.4.0",
        ),
    ],
)
def test_module_sources(source, version, expected_source, expected_version) -> None:
    result = module_source(source, version, "workbench", "environments/nb-x.tf")
    assert (result.source, result.version) == (expected_source, expected_version)


def test_three_segment_local_paths_need_a_leading_dot() -> None:
    assert classify("acme/notebook-bot/google") == "registry"
    assert classify("./infra/tf/modules") == "local"
    assert (
        module_source("./infra/tf/modules", None, "dataproc", "environments/x.tf").source
        == "../infra/tf/modules/dataproc"
    )
