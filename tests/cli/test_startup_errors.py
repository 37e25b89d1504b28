"""A setting that cannot work stops `notebook-bot serve` and `check-config` with one line that names it and the
fix, never a traceback: a port that is not a number or is taken, a GitHub App key that is malformed or that
GitHub does not know, a URL without its scheme, a store folder that does not exist."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.test_github_app_auth import APP_ID, pem_pair
from tests.support.github_server import GitHubServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "notebook-bot"
SLACK = {"SLACK_BOT_TOKEN": "xoxb-test-startup", "SLACK_SIGNING_SECRET": "signing-secret-startup"}


def notebook_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot"]
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, env={**base, **env}, timeout=60, check=False
    )


def one_line(done: subprocess.CompletedProcess[str], stream: str = "stderr") -> str:
    text = getattr(done, stream)
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{done.stdout}{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


MALFORMED_KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAnot-a-real-key\\n-----END RSA PRIVATE KEY-----"
GITHUB_APP = {"NOTEBOOK_BOT_REPO": "github:acme/infra", "GITHUB_APP_ID": str(APP_ID)}

BAD_SETTINGS = [
    ({"PORT": "abc"}, "PORT='abc': must be a whole number from 0 to 65535"),
    ({"PORT": "70000"}, "PORT='70000': must be a whole number from 0 to 65535"),
    ({"NOTEBOOK_BOT_THREADS": "many"}, "NOTEBOOK_BOT_THREADS='many': must be a whole number"),
    ({**GITHUB_APP, "GITHUB_APP_PRIVATE_KEY": "ghp_pasted_a_token"}, "GITHUB_APP_PRIVATE_KEY: not a PEM private key"),
    ({**GITHUB_APP, "GITHUB_APP_PRIVATE_KEY": MALFORMED_KEY}, "GITHUB_APP_PRIVATE_KEY: the key cannot be read"),
    (
        {**GITHUB_APP, "GITHUB_APP_ID": "my-app", "GITHUB_APP_PRIVATE_KEY": pem_pair()[0]},
        "GITHUB_APP_ID='my-app': the App ID is a number",
    ),
    (
        {"GITHUB_TOKEN": "ghp_x", "NOTEBOOK_BOT_REPO": "github:acme/infra", "GITHUB_APP_INSTALLATION_ID": "acme"},
        "GITHUB_APP_INSTALLATION_ID='acme': a number",
    ),
    (
        {"GITHUB_TOKEN": "ghp_x", "NOTEBOOK_BOT_REPO": "github:acme"},
        "NOTEBOOK_BOT_REPO='github:acme': a GitHub repository is github:OWNER/NAME",
    ),
    ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL='slack.com/api': must be an http(s) URL"),
    ({"GITHUB_API_URL": "ghe.acme.com"}, "GITHUB_API_URL='ghe.acme.com': must be an http(s) URL"),
    ({"NOTEBOOKS_API_URL": "notebooks"}, "NOTEBOOKS_API_URL='notebooks': must be an http(s) URL"),
    ({"DATAPROC_API_URL": "ftp://x"}, "DATAPROC_API_URL='ftp://x': must be an http(s) URL"),
    ({"NOTEBOOK_BOT_LOG_FORMAT": "xml"}, "NOTEBOOK_BOT_LOG_FORMAT='xml': must be json or text"),
    ({"NOTEBOOK_BOT_CLOUD": "aws"}, "NOTEBOOK_BOT_CLOUD: must be gcp or simulated"),
    ({"NOTEBOOK_BOT_STORE": "postgres://db"}, "NOTEBOOK_BOT_STORE: must be sqlite:///PATH"),
    ({"NOTEBOOK_BOT_REPO": "svn:infra"}, "NOTEBOOK_BOT_REPO: must be local:PATH or github:OWNER/NAME"),
    ({"SLACK_BOT_TOKEN": "xoxp-a-user-token"}, "SLACK_BOT_TOKEN: a bot token starts with xoxb-"),
    ({"SLACK_APP_TOKEN": "xoxb-wrong-one"}, "SLACK_APP_TOKEN: an app-level token starts with xapp-"),
    ({"NOTEBOOK_BOT_RECONCILE_INVOKER": "scheduler"}, "NOTEBOOK_BOT_RECONCILE_INVOKER='scheduler': the email"),
    ({"NOTEBOOK_BOT_CONFIG": "/nowhere/policy.yaml"}, "/nowhere/policy.yaml: cannot read the file"),
]


@pytest.mark.parametrize(
    ("env", "line"), BAD_SETTINGS, ids=[next(iter(e)) + "-" + str(i) for i, (e, _) in enumerate(BAD_SETTINGS)]
)
def test_check_config_says_each_bad_setting_in_one_line(tmp_path: Path, env: dict[str, str], line: str) -> None:
    done = notebook_bot("check-config", env={**SLACK, **env}, cwd=tmp_path)

    assert done.returncode != 0
    assert one_line(done, "stdout").startswith(line)


@pytest.mark.parametrize(
    ("env", "line"),
    [BAD_SETTINGS[0], BAD_SETTINGS[4], BAD_SETTINGS[8]],
    ids=["port", "malformed-key", "url"],
)
def test_serve_stops_on_a_bad_setting_with_one_line(tmp_path: Path, env: dict[str, str], line: str) -> None:
    done = notebook_bot("serve", env={**SLACK, **env}, cwd=tmp_path)

    assert done.returncode == 2
    assert one_line(done).startswith(line)


@pytest.fixture
def github_app() -> Iterator[GitHubServer]:
    _, public = pem_pair()
    with GitHubServer("acme/infra", token=None, app_id=APP_ID, app_public_key=public) as server:
        yield server


def test_serve_with_a_key_github_does_not_know_says_so_in_one_line(tmp_path: Path, github_app: GitHubServer) -> None:
    someone_elses_key, _ = pem_pair()
    env = {
        **SLACK,
        **GITHUB_APP,
        "GITHUB_APP_PRIVATE_KEY": someone_elses_key,
        "GITHUB_API_URL": github_app.url,
        "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path}/state.db",
        "PORT": "0",
    }

    done = notebook_bot("serve", env=env, cwd=tmp_path)

    assert done.returncode == 2
    said = one_line(done)
    assert said.startswith("GITHUB_APP_PRIVATE_KEY / GITHUB_APP_ID: GitHub does not accept the App's key")
    assert "A JSON web token could not be decoded" in said
    assert "BEGIN" not in done.stderr  # the key is never printed


def test_serve_on_a_port_that_is_taken_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **SLACK,
            "PORT": str(port),
            "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path}/state.db",
            "NOTEBOOK_BOT_REPO": f"local:{tmp_path}/infra",
        }
        done = notebook_bot("serve", "--host", "127.0.0.1", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert one_line(done).startswith(f"PORT={port}: cannot listen on 127.0.0.1:{port}")


def test_serve_with_a_store_folder_that_cannot_exist_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    env = {**SLACK, "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path}/a-file/state.db", "PORT": "0"}

    done = notebook_bot("serve", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert one_line(done).startswith(f"NOTEBOOK_BOT_STORE='sqlite:///{tmp_path}/a-file/state.db' cannot be used")


def test_serve_with_a_worker_mode_it_does_not_know_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**SLACK, "NOTEBOOK_BOT_WORKER": "celery", "PORT": "0", "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp_path}/s.db"}

    done = notebook_bot("serve", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert one_line(done) == "NOTEBOOK_BOT_WORKER='celery': use process (the default), thread or none"
