"""The modals: asking for an environment, and the reason for a rejection. Pure builders, no I/O."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import ConfirmObject
from slack_sdk.models.views import View as SlackView

from bot.config.policy import Policy, Template
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.slack.costs import option_suffix, template_estimate_block
from bot.slack.ids import Action, Field, View


def _template_option(t: Template, policy: Policy) -> Option:
    description = {"workbench": "Vertex AI Workbench", "dataproc": "Dataproc cluster"}[t.kind]
    if t.gpu:
        description += f", {t.gpu.count}x {t.gpu.type.removeprefix('NVIDIA_').replace('_', ' ')}"
    if t.approval == "auto":
        description += ", no approval needed"
    cost = option_suffix(t, policy)
    if cost:
        description += f", {cost}"
    return Option(value=t.id, text=t.title[:75], description=description[:75])


# Slack takes at most 100 options in a static select, or at most 100 groups of at most 100 options each.
_OPTIONS = 100
_KIND = {"workbench": "Vertex AI Workbench", "dataproc": "Dataproc cluster"}


def _template_select(templates: list[Template], chosen: Template, policy: Policy) -> StaticSelectElement:
    """The template menu: a plain list up to 100 templates, else grouped by kind in groups of 100."""
    options = [_template_option(t, policy) for t in templates]
    initial = next(o for o in options if o.value == chosen.id)
    if len(options) <= _OPTIONS:
        return StaticSelectElement(action_id=Action.TEMPLATE.value, options=options, initial_option=initial)
    groups: list[OptionGroup] = []
    for kind, label in _KIND.items():
        of_kind = [o for t, o in zip(templates, options, strict=True) if t.kind == kind]
        for start in range(0, len(of_kind), _OPTIONS):
            part = of_kind[start : start + _OPTIONS]
            suffix = f" ({start + 1}-{start + len(part)})" if len(of_kind) > _OPTIONS else ""
            groups.append(OptionGroup(label=f"{label}{suffix}", options=part))
    return StaticSelectElement(
        action_id=Action.TEMPLATE.value,
        option_groups=groups[:_OPTIONS],
        initial_option=initial,
        placeholder="Choose a template (type to search)",
    )


def _number(field: Field, label: str, low: int, high: int, default: int, hint: str) -> InputBlock:
    return InputBlock(
        block_id=field.value,
        label=label,
        hint=hint,
        element=NumberInputElement(
            action_id=field.value,
            is_decimal_allowed=False,
            min_value=low,
            max_value=high,
            initial_value=default,
        ),
    )


# The numbers a template may let users choose: (template field, block, label, hint).
_NUMBERS = (
    (
        "idle_minutes",
        Field.IDLE_MINUTES,
        "Shut down after idle (minutes)",
        "From {min} to {max}. A stopped environment costs only its disks.",
    ),
    ("lifetime_days", Field.LIFETIME_DAYS, "Keep it for (days)", "From {min} to {max}; you can extend it later."),
    ("worker_count", Field.WORKER_COUNT, "Workers", "0 is a single-node cluster; otherwise at least 2."),
)
# A Dataproc cluster stops itself when idle (its idle-stop TTL); the user starts it again from Slack.
_CLUSTER_IDLE = (
    "idle_minutes",
    Field.IDLE_MINUTES,
    "Stop the cluster after idle (minutes)",
    "From {min} to {max}. A stopped cluster costs only its disks; `/notebook start` starts it again.",
)


def request_modal(templates: list[Template], policy: Policy, chosen: Template | None = None) -> SlackView:
    """The ``/notebook new`` modal: only the templates this user may use, only the chosen one's fields."""
    chosen = chosen or templates[0]
    blocks: list[Block] = [
        InputBlock(
            block_id=Field.TEMPLATE.value,
            label="Template",
            dispatch_action=True,
            element=_template_select(templates, chosen, policy),
            hint=(chosen.description or "Admins curate these templates.")[:2000],
        ),
        InputBlock(
            block_id=Field.DISPLAY_NAME.value,
            label="Short name",
            hint="Lowercase letters, digits and hyphens; you will use it in /notebook stop NAME.",
            element=PlainTextInputElement(action_id=Field.DISPLAY_NAME.value, max_length=30, placeholder="churn-model"),
        ),
    ]
    estimate = template_estimate_block(chosen, policy)
    if estimate is not None:
        blocks.insert(1, estimate)
    numbers = [_CLUSTER_IDLE if n[0] == "idle_minutes" and chosen.kind == "dataproc" else n for n in _NUMBERS]
    for name, field, label, hint in numbers:
        if name in chosen.changeable:
            b = policy.bound(chosen, name)
            blocks.append(_number(field, label, b.min, b.max, b.default, hint.format(min=b.min, max=b.max)))
    if "zone" in chosen.changeable:
        zones = [Option(value=z, text=z) for z in policy.gcp.zones]
        blocks.append(
            InputBlock(
                block_id=Field.ZONE.value,
                label="Zone",
                element=StaticSelectElement(action_id=Field.ZONE.value, options=zones, initial_option=zones[0]),
            )
        )
    blocks.append(
        InputBlock(
            block_id=Field.REASON.value,
            label="What is it for?",
            optional=True,
            element=PlainTextInputElement(action_id=Field.REASON.value, multiline=True, max_length=500),
        )
    )
    return SlackView(
        type="modal",
        callback_id=View.NEW_REQUEST.value,
        title="New notebook",
        submit="Request",
        close="Cancel",
        blocks=blocks,
    )


def checking_modal() -> SlackView:
    """Opened at once when Slack is slow to say who someone is; replaced by the form (or the reason there is
    none for them) as soon as it has."""
    return SlackView(
        type="modal",
        callback_id=View.NOTICE.value,
        title="New notebook",
        close="Cancel",
        blocks=[SectionBlock(text=MarkdownTextObject(text="⏳ Checking with Slack who you are… the form follows."))],
    )


def reject_modal(request: EnvironmentRequest) -> SlackView:
    """Asks the admin why, so the requester is told."""
    return SlackView(
        type="modal",
        callback_id=View.REJECT_REASON.value,
        private_metadata=request.id,
        title="Reject request",
        submit="Reject",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Reject *{request.display_name}* for <@{request.owner_user_id}> ({request.template_id})?"
                )
            ),
            InputBlock(
                block_id=Field.REJECT_REASON.value,
                label="Reason (the requester will read it)",
                element=PlainTextInputElement(action_id=Field.REJECT_REASON.value, multiline=True, max_length=500),
            ),
        ],
    )


def _confirmation(
    request: EnvironmentRequest, view: View, title: str, submit: str, question: str, note: str | None = None
) -> SlackView:
    """A dialog that asks before an action on ``request`` (its id travels in ``private_metadata``)."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=question))]
    if note:
        blocks.append(ContextBlock(elements=[PlainTextObject(text=note)]))
    return SlackView(
        type="modal",
        callback_id=view.value,
        private_metadata=request.id,
        title=title,
        submit=submit,
        close="Keep it",
        blocks=blocks,
    )


def confirm_delete_modal(request: EnvironmentRequest) -> SlackView:
    """A confirmation dialog before a removal pull request is opened."""
    return _confirmation(
        request,
        View.CONFIRM_DELETE,
        "Delete environment",
        "Delete",
        f"Delete *{request.display_name}* (`{request.env_name}`)? Files on its disks are deleted with it; copy "
        "anything you need to Cloud Storage or git first.",
        note="The bot opens a pull request that removes it.",
    )


def confirm_withdraw_modal(request: EnvironmentRequest) -> SlackView:
    """A confirmation before a request nobody decided on yet is withdrawn (nothing exists to delete)."""
    return _confirmation(
        request,
        View.CONFIRM_WITHDRAW,
        "Withdraw request",
        "Withdraw",
        f"Withdraw your request *{request.display_name}* (`{request.id}`)? Nothing has been created yet, so "
        "nothing is deleted; the admins' card will say it was withdrawn.",
    )


def removal_dialog(request: EnvironmentRequest) -> SlackView:
    """Withdrawing a request nobody decided on has its own words; deleting an environment warns of its disks."""
    if request.state == State.PENDING_APPROVAL:
        return confirm_withdraw_modal(request)
    return confirm_delete_modal(request)


def notice_modal(title: str, text: str) -> SlackView:
    """What a modal turns into when its action cannot be done (the reason, and a Close button)."""
    return SlackView(
        type="modal",
        callback_id=View.NOTICE.value,
        title=title[:24],
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text[:2900]))],
    )


def confirm(title: str, text: str, yes: str) -> ConfirmObject:
    return ConfirmObject(title=title, text=text, confirm=yes, deny="Cancel")


__all__ = [
    "ActionsBlock",
    "checking_modal",
    "confirm",
    "confirm_delete_modal",
    "confirm_withdraw_modal",
    "notice_modal",
    "reject_modal",
    "removal_dialog",
    "request_modal",
]
