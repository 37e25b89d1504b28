"""``make demo`` shows the DM an owner gets when Google's idle shutdown stopped their environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo.run import run_demo


def test_the_demo_shows_the_idle_stop_dm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(str(tmp_path)) == 0
    out = capsys.readouterr().out
    told = out[out.index("Reconcile notices it stopped on its own") :]
    assert "was stopped by Google after 120 idle minutes" in told
    assert "[Start]  [Delete]" in told
    assert "Stopped by you" in out  # the owner's ready message followed her own stop
