"""The ``/notebook new`` form, built once per set of templates offered and shared by every request.

The form depends only on the policy, the templates offered, the one chosen and the price table its cost
estimates come from. Building it (Block Kit objects validated by slack_sdk, a cost estimate per template,
then ``to_dict``) cost more CPU than the rest of the command; most people are offered the same few sets.
A new price table (``notebook-bot prices refresh``) is a new key, so the estimates shown are never stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from bot.config.policy import Policy, Template
from bot.pricing.table import table_path
from bot.slack.modals import request_modal

_SIZE = 64  # sets of templates offered x the template chosen: a policy has a few of each


def _prices_version() -> tuple[str, float] | None:
    """Which price table the estimates would come from (its path and when it was written), or None if it
    cannot be read (then the form is built afresh, and says what building it says)."""
    try:
        path = table_path()
        return str(path), path.stat().st_mtime
    except OSError:
        return None


class RequestForms:
    """The request form as Slack takes it (``view.to_dict()``), kept per templates offered and chosen."""

    def __init__(self, policy: Policy, *, size: int = _SIZE) -> None:
        self.policy = policy
        self._size = size
        self._views: OrderedDict[tuple[object, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def view(self, templates: Sequence[Template], chosen: Template | None = None) -> dict[str, Any]:
        """The form offering ``templates`` with ``chosen`` (the first by default) selected.

        The same dictionary is handed to everyone offered the same: read it, send it, never change it.
        """
        chosen = chosen or templates[0]
        prices = _prices_version()
        key = (tuple(t.id for t in templates), chosen.id, prices)
        with self._lock:
            found = self._views.get(key)
            if found is not None:
                self._views.move_to_end(key)
                return found
        view = request_modal(list(templates), self.policy, chosen).to_dict()
        if prices is None:
            return view
        with self._lock:
            self._views[key] = view
            if len(self._views) > self._size:
                self._views.popitem(last=False)
        return view
