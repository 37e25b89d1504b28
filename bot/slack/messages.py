"""The messages people read: approval cards, the progress line, the ready message, status, help."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.config.policy import Policy
from bot.domain.request import EnvironmentRequest
from bot.domain.states import PROGRESS, State
from bot.slack.costs import request_estimate_text
from bot.slack.ids import Action
from bot.slack.modals import confirm
from bot.slack.texts import MESSAGE_TEXT, context, field, fit, section, when, words

HELP = """*notebook-bot* gives you your own Jupyter environment on Google Cloud, under your own identity.
• `/notebook new` — ask for an environment (a form opens)
• `/notebook status` — your environments, their state and links
• `/notebook start [NAME]` · `/notebook stop [NAME]` — start or stop one (stopped costs only disks)
• `/notebook extend NAME [DAYS]` — keep it longer
• `/notebook delete NAME` — delete it (after a confirmation)
• `/notebook list [STATE|@user|TEMPLATE] [page N]` — admins: every environment, a page at a time
• `/notebook new @someone` — admins: ask for an environment on their behalf (it is theirs)
• `/notebook audit REQUEST_ID` — admins: the history of a request
• `/notebook costs [@user|TEAM|teams]` — admins: spend this month and last, from the billing export
• `/notebook help` — this message"""

_STEP_NAMES = {
    State.PENDING_APPROVAL: "submitted",
    State.APPROVED: "approved",
    State.PR_OPEN: "PR opened",
    State.APPLYING: "applying",
    State.READY: "ready",
}
# States where nothing moves any more (or not by itself): no step is "in progress".
_STOPPED = (State.REJECTED, State.CANCELLED, State.FAILED, State.EXPIRED)


def _reached(request: EnvironmentRequest) -> State:
    """The last step of the progress line that the request really reached."""
    s = request.state
    if s == State.FAILED and request.failed_from:
        s = request.failed_from
    if s in (State.DELETING, State.DELETED):
        return State.READY
    if s in (State.REJECTED, State.EXPIRED):
        return State.PENDING_APPROVAL  # it was submitted; no further
    if s == State.CANCELLED:  # withdrawn while pending, or its pull request was closed unmerged
        if request.pull_request is not None and request.pull_request.number:
            return State.PR_OPEN
        return State.APPROVED if request.decided_by else State.PENDING_APPROVAL
    return s


def progress_line(request: EnvironmentRequest) -> str:
    """submitted → approved → PR opened → applying → ready, with where the request is now."""
    state = _reached(request)
    reached = PROGRESS.index(state) if state in PROGRESS else -1
    parts = []
    for i, step in enumerate(PROGRESS):
        mark = "✅" if i <= reached else "⚪"
        if i == reached + 1 and request.state not in _STOPPED:
            mark = "⏳"
        parts.append(f"{mark} {_STEP_NAMES[step]}")
    return " → ".join(parts)


def _summary(request: EnvironmentRequest, policy: Policy) -> str:
    template = policy.template(request.template_id)
    title = template.title if template else request.template_id
    return f"*{words(request.display_name)}* · {words(title)} · `{request.id}`"


def _sentence(text: str) -> str:
    """A reason that ends a sentence: one full stop, whatever the reason ended with."""
    return text.rstrip().rstrip(".") + "."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def withdrawn(request: EnvironmentRequest) -> bool:
    """Whether it ended because its owner (or an admin) withdrew it before anyone decided."""
    return request.state == State.CANCELLED and (request.end_reason or "").startswith("withdrawn")


def _by(user: str | None) -> str:
    return f"<@{user}>" if user and user != "policy" else "policy"


def _outcome(request: EnvironmentRequest) -> str | None:
    s = request.state
    if s == State.REJECTED:
        return f"❌ Rejected by {_by(request.decided_by)}: {words(request.decision_reason)}"
    if withdrawn(request):
        return f"↩️ {_sentence(_upper_first(words(request.end_reason)))} Nothing was created."
    if s == State.CANCELLED:
        return f"🚫 Cancelled: {words(request.end_reason or 'the pull request was closed')}"
    if s == State.FAILED:
        return f"⚠️ Failed: {_sentence(words(request.last_error))} The admins were told; it can be retried."
    if s == State.EXPIRED:
        return f"⌛ Expired: {words(request.end_reason or 'nobody decided in time')}"
    if s == State.DELETING:
        return "🗑️ Being deleted"
    if s == State.DELETED:
        return "🗑️ Deleted"
    if s == State.PENDING_APPROVAL:
        return "An admin has been asked to approve it."
    return None


def pull_request_line(request: EnvironmentRequest, note: str = "") -> str | None:
    """The pull request as a link (with ``note``, e.g. who merged it), or that it is still being opened
    (never an empty link)."""
    pr = request.pull_request
    if pr is None:
        return None
    what = "Removal pull request" if pr.purpose == "remove" else "Pull request"
    if not pr.number or not pr.url:
        return f"{what}: being opened" if request.state == State.DELETING else None
    return f"{what}: <{pr.url}|#{pr.number}>{note}"


def progress_message(request: EnvironmentRequest, policy: Policy, *, unreached: str | None = None) -> list[Block]:
    """The one DM that follows a request, updated in place as it moves.

    ``unreached``: why its card could not be put in front of the admins yet (a setup problem of their
    channel); the DM then says so instead of claiming an admin was asked."""
    lines = [_summary(request, policy), progress_line(request)]
    outcome = _outcome(request)
    if unreached and request.state == State.PENDING_APPROVAL and request.slack.card_ts is None:
        outcome = (
            f"⚠️ It has not reached the admins yet: their channel cannot receive it ({unreached}). They were "
            "told how to fix it; it goes to them as soon as they do."
        )
    for line in (outcome, pull_request_line(request, _merge_note(request))):
        if line:
            lines.append(line)
    if request.url and request.state == State.READY:
        lines.append(f"JupyterLab: <{request.url}|open>")
    return [section("\n".join(lines))]


def _merge_note(request: EnvironmentRequest) -> str:
    """Who merged the pull request when the bot did (``repo.merge: when_checks_pass``), or why it could not."""
    ref = request.pull_request
    if ref is None:
        return ""
    if ref.merged_by:
        return " · merged by the bot once its plan passed"
    if ref.merge_refused:
        return f" · the bot's merge was refused ({words(ref.merge_refused)}); it waits for a person"
    return ""


def progress_text(request: EnvironmentRequest) -> str:
    return fit(f"{request.display_name}: {request.state.label}", MESSAGE_TEXT)


def decision_line(request: EnvironmentRequest) -> str:
    """What became of a request that no longer waits for a decision, in the card's words."""
    s = request.state
    if s == State.EXPIRED:
        return "⌛ Expired without a decision"
    if s == State.REJECTED:
        return f"❌ Rejected by {_by(request.decided_by)}"
    if withdrawn(request):
        return f"↩️ {_upper_first(words(request.end_reason))} before anyone decided"
    if s == State.CANCELLED and not request.decided_by:
        return f"🚫 Cancelled before anyone decided: {words(request.end_reason)}"
    text = f"✅ Approved by {_by(request.decided_by)} · now {s.label}"
    if s == State.CANCELLED and request.end_reason:
        text += f": {words(request.end_reason)}"
    if s == State.FAILED:
        text += f" · {words(request.last_error)}"
    return text


def approval_card(request: EnvironmentRequest, policy: Policy) -> list[Block]:
    """The card in the admin channel; buttons while undecided, who decided afterwards."""
    template = policy.template(request.template_id)
    gpu = f"{template.gpu.count}x {template.gpu.type}" if template and template.gpu else "none"
    idle = "Idle stop" if request.kind == "dataproc" else "Idle shutdown"
    fields = [
        field(f"*Requester*\n<@{request.owner_user_id}> ({words(request.owner_email)})"),
        field(f"*Template*\n{words(template.title if template else request.template_id)}"),
        field(f"*Name*\n{words(request.display_name)}"),
        field(f"*GPU*\n{gpu}"),
        field(f"*{idle}*\n{request.idle_minutes} min"),
        field(f"*Lifetime*\n{request.lifetime_days} days"),
    ]
    head = section(f"*New notebook request* `{request.id}`")
    head.fields = fields
    blocks: list[Block] = [head]
    if request.reason:
        blocks.append(context(f"Reason: {words(request.reason)}"))
    cost = request_estimate_text(request, policy)
    if cost:
        blocks.append(context(cost))
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
        blocks.append(context(decision_line(request) + _merge_note(request)))
    return blocks


def card_text(request: EnvironmentRequest) -> str:
    """The card's notification text."""
    if request.state == State.PENDING_APPROVAL:
        return fit(f"New notebook request {request.id} from {request.owner_email}", MESSAGE_TEXT)
    return fit(f"Notebook request {request.id}: {request.state.label}", MESSAGE_TEXT)


def ready_message(request: EnvironmentRequest, policy: Policy) -> list[Block]:
    """The message with the URL: what the user came for, and the one thing they must do first."""
    assert request.url is not None
    blocks: list[Block] = [
        section(f"🎉 *{words(request.display_name)}* is ready."),
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
            section(
                "Before opening it, put your credentials on the cluster and keep this running in a terminal:\n"
                f"```{command}```\n"
                "By default your credentials on the cluster only read and write Cloud Storage objects in "
                f"buckets of {policy.gcp.project}; to reach more (BigQuery, other projects), add "
                "`--access-boundary=FILE`, a JSON credential access boundary that lists them."
            )
        )
    else:
        blocks.append(
            section(
                f"First time only: <{request.console_url}|open it once from the Cloud console> to grant it "
                "your credentials (it runs as you)."
            )
        )
    idle = (
        f"Stops after {request.idle_minutes} idle minutes; start it again with `/notebook start`"
        if request.kind == "dataproc"
        else f"Stops after {request.idle_minutes} idle minutes"
    )
    blocks.append(context(f"{idle} · kept until {when(request.expires_at)} · `/notebook status`"))
    return blocks


def failure_alert(request: EnvironmentRequest, text: str) -> list[Block]:
    return [
        section(f"⚠️ {text}"),
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


def already_decided(request: EnvironmentRequest, at: datetime | None) -> str:
    """Why an Approve or Reject that came late changed nothing: who decided (or what happened), and when."""
    name = f"*{words(request.display_name)}* (`{request.id}`)"
    stamp = f" {when(at)}" if at else ""
    s = request.state
    if s == State.EXPIRED:
        return (
            f"{name} expired{stamp}: nobody decided in time, so it can no longer be approved or rejected. "
            "Its requester was told and can ask again."
        )
    if withdrawn(request):
        return f"{name} was {words(request.end_reason)}{stamp}; there is nothing left to decide."
    if s == State.REJECTED:
        return f"{name} was already decided: rejected by {_by(request.decided_by)}{stamp}. Nothing changed."
    if s == State.CANCELLED and not request.decided_by:
        return f"{name} was cancelled{stamp} ({words(request.end_reason)}); there is nothing left to decide."
    by = _by(request.decided_by)
    return f"{name} was already decided: approved by {by}{stamp}; it is now {s.label}. Nothing changed."
