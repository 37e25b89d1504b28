"""The production image is small, runs as a non-root user, and carries no secrets (no Docker needed)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "") for parts in pairs]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def env_values(stage: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, args in stage:
        if name == "ENV":
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                values[name] = value
    return values


def test_base_images_are_pinned_python_311_slim_versions() -> None:
    steps = instructions()
    args = dict(a.split("=", 1) for name, a in steps if name == "ARG" and "=" in a)
    bases = [args.get(a.split()[0].strip("${}"), a.split()[0]) for name, a in steps if name == "FROM"]
    assert len(bases) >= 2, "multi-stage: build the venv in one stage, copy it into the runtime"
    for base in bases:
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base


def test_runtime_runs_the_production_server_as_a_non_root_user() -> None:
    stage = final_stage()
    users = [args for name, args in stage if name == "USER"]
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    cmd = [args for name, args in stage if name == "CMD"][-1]
    assert cmd.replace(" ", "") == '["notebook-bot","serve"]'
    assert any(name == "COPY" and "--from=" in args for name, args in stage), "runtime copies the built venv"


def test_runtime_environment_sets_port_threads_and_no_secrets() -> None:
    env = env_values(final_stage())
    assert env["PORT"] == "8080"
    assert env["NOTEBOOK_BOT_THREADS"] == "32"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert [name for name in env if SECRET_NAME.search(name)] == []
    assert not any(name in {"ARG", "ENV"} and SECRET_NAME.search(args) for name, args in instructions())


def test_everything_the_image_copies_is_in_the_repository() -> None:
    sources = [
        source
        for name, args in instructions()
        if name == "COPY" and "--from=" not in args
        for source in shlex.split(args)[:-1]
    ]
    assert sources
    assert [source for source in sources if not (REPO / source).exists()] == []


@pytest.mark.parametrize("entry", [".venv", ".git", "tests", "benchmarks", ".notebook-bot", "**/__pycache__"])
def test_build_context_leaves_out_local_state_and_tests(entry: str) -> None:
    assert entry in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()


# --- two builds of one commit install the same files ------------------------------------------------------

LOCK = REPO / "deploy" / "requirements.lock"
GCLOUDIGNORE = REPO / ".gcloudignore"


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) from the lock, continuation lines joined."""
    text = re.sub(r"\\\n", " ", LOCK.read_text(encoding="utf-8"))
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            requirement, *options = line.split()
            name, version = requirement.split("==")
            pins[name.lower().replace("_", "-")] = (version, [o for o in options if o.startswith("--hash=sha256:")])
    return pins


def test_the_image_installs_only_what_the_lock_pins_with_hashes() -> None:
    runs = " ".join(args for name, args in instructions() if name == "RUN")
    assert "--require-hashes --no-deps -r requirements.lock" in runs
    # The project itself: no dependency resolution and no isolated build that would fetch unpinned packages.
    assert "install --no-deps --no-build-isolation ." in runs
    assert "pip check" in runs
    copies = [args for name, args in instructions() if name == "COPY"]
    assert any(c.startswith("deploy/requirements.lock") for c in copies)
    assert "!deploy/requirements.lock" in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()


def test_the_lock_pins_every_dependency_within_pyproject_ranges_with_pypi_hashes() -> None:
    tomllib = pytest.importorskip("tomllib")
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = locked()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [Requirement(r) for r in project["project"]["dependencies"]]
    needed += [Requirement(r) for r in project["build-system"]["requires"]]
    for requirement in needed:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in deploy/requirements.lock: run deploy/lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} vs {requirement}"
    assert all(hashes for _, hashes in pins.values())
    text = LOCK.read_text(encoding="utf-8")
    assert "file://" not in text and "--find-links" not in text and "--extra-index-url" not in text


@pytest.mark.parametrize(
    "entry", ["**/.terraform", "**/*.tfstate", "**/*.tfvars", "**/*.pem", ".venv", ".git", "**/.env"]
)
def test_cloud_build_uploads_no_terraform_state_variables_or_keys(entry: str) -> None:
    # gcloud builds submit reads .gcloudignore (not .dockerignore) to choose what it uploads.
    assert entry in GCLOUDIGNORE.read_text(encoding="utf-8").splitlines()
