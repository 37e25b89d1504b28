"""What Google says of an environment, in the words people read: Workbench and Dataproc states map onto these.

They are the domain's words (the rules of what may be started, stopped or deleted speak of them), so they live
here; ``bot.cloud`` maps each API's states onto them. ``ACTIVE`` here is a cloud status: the set of request
states that count against quotas is ``bot.domain.states.IN_USE``.
"""

from __future__ import annotations

ACTIVE = "ACTIVE"
PROVISIONING = "PROVISIONING"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
STARTING = "STARTING"
DELETING = "DELETING"
NOT_FOUND = "NOT_FOUND"
ERROR = "ERROR"
UNKNOWN = "UNKNOWN"
