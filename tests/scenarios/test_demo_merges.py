"""``make demo`` shows both ways a pull request is merged: by a reviewer (``repo.merge: manual``) and by the bot
once its check of the files passed (``repo.merge: when_checks_pass``), from Approve to URL with no step between."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo.run import run_demo


def test_the_demo_shows_the_manual_merge_and_the_bots_own_merge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "A reviewer merges it (git merge)" in out
    assert "merged by the bot once its plan passed" in out
    assert "plan (notebook-bot/plan): success" in out
    assert "from Approve to URL with no merge by hand: https://" in out
