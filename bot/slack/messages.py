"""The messages people read: approval cards, the progress line, the ready message, status, help."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.config.policy import Policy
from bot.domain.request import EnvironmentRequest
from bot.domain.states import PROGRESS, State
from bot.slack.ids import Action
from bot.slack.modals import confirm
from bot.workflow.ports import plain

HELP = """*notebook-bot* gives you your own Jupyter environment on Google Cloud, under your own identity.
• `/notebook new` — ask for an environment (a form opens)
• `/notebook status` — your environments, their state and links
• `/notebook start NAME` · `/notebook stop NAME` — start or stop one (stopped costs only disks)
• `/notebook extend NAME [DAYS]` — keep it longer
• `/notebook delete NAME` — delete it (after a confirmation)
• `/notebook list [STATE|@user|TEMPLATE]` — admins: every environment
• `/notebook audit REQUEST_ID` — admins: the history of a request
• `/notebook help` — this message"""

_STEP_NAMES = {
    State.PENDING_APPROVAL: "submitted",
    State.APPROVED: "approved",
    State.PR_OPEN: "PR opened",
    State.APPLYING: "applying",
    State.READY: "ready",
}


def progress_line(request: EnvironmentRequest) -> str:
    """submitted → approved → PR opened → applying → ready, with where the request is now."""
    state = request.failed_from if request.state == State.FAILED and request.failed_from else request.state
    if state in (State.DELETING, State.DELETED):
        state = State.READY
    reached = PROGRESS.index(state) if state in PROGRESS else -1
    parts = []
    for i, step in enumerate(PROGRESS):
        mark = "✅" if i <= reached else "⚪"
        if i == reached + 1 and request.state not in (
            State.REJECTED,
            State.CANCELLED,
            State.FAILED,
            State.EXPIRED,
        ):
            mark = "⏳"
        parts.append(f"{mark} {_STEP_NAMES[step]}")
    return " → ".join(parts)


def _summary(request: EnvironmentRequest, policy: Policy) -> str:
    template = policy.template(request.template_id)
    title = template.title if template else request.template_id
    return f"*{request.display_name}* · {title} · `{request.id}`"


def _outcome(request: EnvironmentRequest) -> str | None:
    s = request.state
    if s == State.REJECTED:
        return f"❌ Rejected by <@{request.decided_by}>: {plain(request.decision_reason or '')}"
    if s == State.CANCELLED:
        return f"🚫 Cancelled: {request.end_reason or 'the pull request was closed'}"
    if s == State.FAILED:
        return f"⚠️ Failed: {plain(request.last_error or '')}. The admins were told; it can be retried."
    if s == State.EXPIRED:
        return f"⌛ Expired: {request.end_reason or 'nobody decided in time'}"
    if s == State.DELETING:
        return "🗑️ Being deleted"
    if s == State.DELETED:
        return "🗑️ Deleted"
    if s == State.PENDING_APPROVAL:
        return "An admin has been asked to approve it."
    return None


def progress_message(request: EnvironmentRequest, policy: Policy) -> list[Block]:
    """The one DM that follows a request, updated in place as it moves."""
    lines = [_summary(request, policy), progress_line(request)]
    outcome = _outcome(request)
    if outcome:
        lines.append(outcome)
    if request.pull_request:
        lines.append(f"Pull request: <{request.pull_request.url}|#{request.pull_request.number}>")
    if request.url and request.state == State.READY:
        lines.append(f"JupyterLab: <{request.url}|open>")
    return [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]


def progress_text(request: EnvironmentRequest) -> str:
    return f"{request.display_name}: {request.state.label}"


def approval_card(request: EnvironmentRequest, policy: Policy) -> list[Block]:
    """The card in the admin channel; buttons while undecided, who decided afterwards."""
    template = policy.template(request.template_id)
    gpu = f"{template.gpu.count}x {template.gpu.type}" if template and template.gpu else "none"
    fields = [
        MarkdownTextObject(text=f"*Requester*\n<@{request.owner_user_id}> ({request.owner_email})"),
        MarkdownTextObject(text=f"*Template*\n{template.title if template else request.template_id}"),
        MarkdownTextObject(text=f"*Name*\n{request.display_name}"),
        MarkdownTextObject(text=f"*GPU*\n{gpu}"),
        MarkdownTextObject(
            text=f"*{'Idle stop' if request.kind == 'dataproc' else 'Idle shutdown'}*\n{request.idle_minutes} min"
        ),
        MarkdownTextObject(text=f"*Lifetime*\n{request.lifetime_days} days"),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*New notebook request* `{request.id}`"), fields=fields),
    ]
    if request.reason:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Reason: {plain(request.reason)[:2900]}")]))
    if request.state == State.PENDING_APPROVAL:
        blocks.append(
            ActionsBlock(
                block_id=f"decide:{request.id}",
                elements=[
                    ButtonElement(text="Approve", action_id=Action.APPROVE.value, value=request.id, style="primary"),
                    ButtonElement(text="Reject", action_id=Action.REJECT.value, value=request.id, style="danger"),
                ],
            )
        )
    else:
        decided = f"<@{request.decided_by}>" if request.decided_by and request.decided_by != "policy" else "policy"
        verb = "Rejected" if request.state == State.REJECTED else "Approved"
        if request.state == State.EXPIRED:
            text = "⌛ Expired without a decision"
        else:
            text = f"{'❌' if verb == 'Rejected' else '✅'} {verb} by {decided} · now {request.state.label}"
        if request.state == State.FAILED:
            text += f" · {plain(request.last_error or '')}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    return blocks


def ready_message(request: EnvironmentRequest, policy: Policy) -> list[Block]:
    """The message with the URL: what the user came for, and the one thing they must do first."""
    assert request.url is not None
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"🎉 *{request.display_name}* is ready.")),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Open JupyterLab",
                    action_id=Action.OPEN.value,
                    url=request.url,
                    style="primary",
                    value=request.id,
                )
            ]
        ),
    ]
    if request.kind == "dataproc":
        command = (
            f"gcloud dataproc clusters enable-personal-auth-session --project={policy.gcp.project} "
            f"--region={policy.gcp.region} {request.env_name}"
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="Before opening it, put your credentials on the cluster and keep this running in a terminal:\n"
                    f"```{command}```\n"
                    "By default your credentials on the cluster only read and write Cloud Storage objects in "
                    f"buckets of {policy.gcp.project}; to reach more (BigQuery, other projects), add "
                    "`--access-boundary=FILE`, a JSON credential access boundary that lists them."
                )
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"First time only: <{request.console_url}|open it once from the Cloud console> to grant it "
                    "your credentials (it runs as you)."
                )
            )
        )
    expiry = request.expires_at.strftime("%Y-%m-%d") if request.expires_at else "-"
    idle = (
        f"Stops after {request.idle_minutes} idle minutes; start it again with `/notebook start`"
        if request.kind == "dataproc"
        else f"Stops after {request.idle_minutes} idle minutes"
    )
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"{idle} · kept until {expiry} · `/notebook status`")])
    )
    return blocks


def failure_alert(request: EnvironmentRequest, text: str) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=f"⚠️ {text}")),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Retry",
                    action_id=Action.RETRY.value,
                    value=request.id,
                    confirm=confirm("Retry?", "Try the failed step again.", "Retry"),
                )
            ]
        ),
    ]
