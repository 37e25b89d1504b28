"""The policy's rules as pure functions: who may, within which bounds."""

from __future__ import annotations

from bot.config.load import builtin_policy_text, load_policy, parse_policy
from bot.domain import rules
from bot.domain.people import Person

POLICY = load_policy(None)
ALICE = Person("U0ALICE", "T0", "alice@example.com", "Alice")


def test_templates_limited_to_users_and_groups_are_offered_only_to_them() -> None:
    text = builtin_policy_text().replace(
        "    approval: required\n  - id: gpu-t4",
        "    approval: required\n    usergroups: [S0ML]\n  - id: gpu-t4",
        1,
    )
    policy = parse_policy(text)
    assert "cpu-small" not in [t.id for t in rules.templates_for(ALICE, policy)]
    ml = Person("U0ML", "T0", "ml@example.com", usergroups=frozenset({"S0ML"}))
    assert "cpu-small" in [t.id for t in rules.templates_for(ml, policy)]


def test_gpu_templates_need_an_admin_even_under_an_auto_rule() -> None:
    text = builtin_policy_text() + "approval:\n  auto:\n    - without_gpu: false\n"
    policy = parse_policy(text)
    gpu = policy.template("gpu-t4")
    cpu = policy.template("cpu-small")
    assert gpu is not None and cpu is not None
    assert rules.auto_approved(cpu, ALICE, policy)
    assert not rules.auto_approved(gpu, ALICE, policy)
    relaxed = parse_policy(text + "  gpu_requires_admin: false\n")
    assert rules.auto_approved(relaxed.template("gpu-t4"), ALICE, relaxed)  # type: ignore[arg-type]


def test_admins_are_named_users_or_members_of_the_admin_group() -> None:
    assert rules.is_admin(Person("U0ADMIN1", "T0"), POLICY)
    assert not rules.is_admin(ALICE, POLICY)
    grouped = parse_policy(
        builtin_policy_text().replace("admins: [U0ADMIN1, U0ADMIN2]", "admins: []\n  admin_usergroup: S0ADMINS")
    )
    assert rules.is_admin(Person("U0X", "T0", usergroups=frozenset({"S0ADMINS"})), grouped)


def test_worker_count_must_be_zero_or_at_least_two() -> None:
    form = rules.RequestForm("spark-cluster", "sparky", worker_count=1)
    problems = rules.form_problems(form, ALICE, POLICY, [])
    assert "worker_count" in problems
    ok = rules.RequestForm("spark-cluster", "sparky", worker_count=4)
    assert rules.form_problems(ok, ALICE, POLICY, []) == {}


def test_fields_a_template_does_not_let_users_change_are_refused() -> None:
    form = rules.RequestForm("cpu-small", "x", worker_count=4)
    assert rules.form_problems(form, ALICE, POLICY, []) == {
        "worker_count": "This template does not let you change this."
    }


def test_a_dataproc_templates_idle_stop_ttl_is_the_default_idle_time() -> None:
    cluster = POLICY.template("spark-cluster")
    assert cluster is not None and cluster.dataproc is not None
    assert POLICY.bound(cluster, "idle_minutes").default == cluster.dataproc.idle_stop_ttl_minutes == 120
    notebook = POLICY.template("cpu-small")
    assert notebook is not None and POLICY.bound(notebook, "idle_minutes").default == 180
