"""The labels every environment carries, for cost allocation and for finding it again."""

from __future__ import annotations

from renderers.names import label_value
from renderers.spec import EnvironmentSpec

MANAGED_BY = "notebook-bot"


def environment_labels(spec: EnvironmentSpec) -> dict[str, str]:
    """Extra labels (team, cost centre...) plus the ones notebook-bot always sets.

    The expiry date is deliberately *not* a label: extending an environment would change it,
    and any in-place update of a Workbench instance makes the provider start it again if it
    was stopped for idleness (see the workbench module's README). It is a comment instead.

    Assumes the spec was validated: extra labels never reuse a reserved key, so the order of
    the merge does not matter; it is written so the reserved ones would win anyway.
    """
    labels = dict(spec.labels)
    labels.update(
        {
            "owner": label_value(spec.owner_email),
            "request-id": spec.request_id,
            "template": spec.template_id,
            "managed-by": MANAGED_BY,
        }
    )
    return labels
