"""The command's entry point (``notebook-bot`` and ``python -m bot``): the garbage collector stays off while
the modules load — they make many objects that live as long as the process, and collecting them over and
over costs a cold start about 25 ms — and the command turns it back on (``serve`` once it listens, after
moving everything loaded so far out of the collector's way with ``gc.freeze``)."""

from __future__ import annotations

import gc


def run() -> int:
    gc.disable()
    from bot.cli import main

    return main()
