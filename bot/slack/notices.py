"""The notices of the workflow and the domain (``bot/domain/notices.py``) in words, as Slack mrkdwn.

The only place their sentences are written: each fact a person typed (a name, a reason, an error) goes through
``words`` so that it shows exactly as typed and cannot mention anyone or pose as a link.
"""

from __future__ import annotations

from bot.domain import notices as n
from bot.domain.notices import Link, Notice
from bot.domain.request import EndReason
from bot.slack.texts import words


def _name(name: str) -> str:
    return f"*{words(name)}*"


def _link(link: Link, label: str) -> str:
    return f"<{link.url}|{label}>"


def _pull_request(link: Link) -> str:
    return _link(link, f"pull request #{link.number}")


def say(notice: Notice) -> str:
    """The sentence a person reads for ``notice``."""
    match notice:
        case n.NotReady(name, state, done):
            return f"{_name(name)} is {state.label}; only a ready environment can be {done}."
        case n.KeptAtMost(name, until, max_days):
            return (
                f"{_name(name)} is already kept until {until:%Y-%m-%d}, the most the policy allows ({max_days} "
                "days from when it became ready). Ask an admin if you need it longer."
            )
        case n.NotYours(name, owner, action):
            return f"{_name(name)} belongs to <@{owner}>; only its owner or a notebook admin can {action} it."
        case n.CannotOwn(owner, why):
            return f"<@{owner}> cannot own an environment: {words(why)}"
        case n.ChangedMeanwhile(name):
            return f"{_name(name)} changed meanwhile; look at `/notebook status` and try again."
        case n.DecidedMeanwhile(name):
            return f"{_name(name)} was decided on meanwhile; try again."
        case n.NothingToDelete(name, state, being_deleted, in_review):
            if being_deleted:
                return f"{_name(name)} is already being deleted."
            if in_review:
                return (
                    f"{_name(name)} is {state.label}: its pull request is being prepared or reviewed. Ask an "
                    "admin to close it, which cancels the request."
                )
            return f"{_name(name)} is {state.label}; there is nothing left to delete."
        case _:
            return _told(notice)


def _told(notice: Notice) -> str:
    match notice:
        case n.NotApproved(name, request_id, reason):
            return f"Your request {_name(name)} ({request_id}) was not approved: {words(reason)}"
        case n.ApprovalExpired(name, request_id, hours):
            return (
                f"⌛ Nobody decided on your request {_name(name)} ({request_id}) within {hours} hours, so it has "
                "expired. Ask again with `/notebook new`, and perhaps tell an admin why it matters."
            )
        case n.CreationClosed(name):
            return (
                f"The pull request for {_name(name)} was closed without merging, so the environment will not be "
                "created. Ask an admin why, or request it again with /notebook new."
            )
        case n.RemovalOpened(name, why, pull_request, expires_at):
            link = _pull_request(pull_request)
            if why == EndReason.LIFETIME:
                until = f" ({expires_at:%Y-%m-%d %H:%M} UTC)" if expires_at else ""
                return (
                    f"⌛ {_name(name)} reached the end of its lifetime{until}. I opened {link} to remove it; it is "
                    "deleted once that is merged. Copy anything you want to keep now."
                )
            if why == EndReason.VANISHED:
                return (
                    f"{_name(name)} no longer exists in Google Cloud (it was deleted outside the bot). I opened "
                    f"{link} to remove its file so that it is not created again. `/notebook new` asks for a new one."
                )
            return f"🗑️ Deleting {_name(name)} ({words(why)}): {link} removes it. I'll tell you when it is gone."
        case n.RemovalClosed(name, pull_request, past_expiry):
            again = (
                " It is past its expiry, so I will propose removing it again in a while unless it is extended."
                if past_expiry
                else ""
            )
            return (
                f"The pull request that would remove {_name(name)} ({_link(pull_request, f'#{pull_request.number}')})"
                f" was closed without merging, so it stays.{again}"
            )
        case n.Deleted(name, vanished):
            if vanished:
                return f"🗑️ {_name(name)} is removed from the infrastructure repository too; it will not come back."
            return f"🗑️ {_name(name)} is deleted: Google Cloud confirms it is gone."
        case n.PipelineFailed(name, removing, error):
            doing = "removing" if removing else "creating"
            return (
                f"⚠️ The infrastructure pipeline failed while {doing} {_name(name)}: {words(error)}. The admins "
                "were told and can retry it."
            )
        case n.AskedOnBehalf(name, request_id, admin):
            return f"<@{admin}> asked for an environment for you: {_name(name)} (`{request_id}`). It is yours."
        case _:
            return _power_or_admins(notice)


def _power_or_admins(notice: Notice) -> str:
    match notice:
        case n.PowerDone(name, running, url):
            opened = f" <{url}|Open JupyterLab>" if running and url else ""
            return f"✅ {_name(name)} is {'running' if running else 'stopped'}.{opened}"
        case n.PowerAsked(name, running):
            going, done = ("Starting", "running") if running else ("Stopping", "stopped")
            return f"{going} {_name(name)}… I'll tell you when it is {done}."
        case n.PowerFailed(name, running, cloud_state, detail):
            return (
                f"⚠️ {_name(name)} did not get {'running' if running else 'stopped'}: Google says {cloud_state}. "
                f"{words(detail)} The admins can help; `/notebook status` shows its state."
            )
        case n.PowerSlow(name, cloud_state, minutes):
            return (
                f"{_name(name)} is still {cloud_state} after {minutes} minutes. `/notebook status` shows when it "
                "settles."
            )
        case n.RequestFailed(request_id, owner_email, reason, run):
            ran = f" · {_link(run, 'the run')}" if run is not None else ""
            return f"Request {request_id} ({words(owner_email)}) failed: {words(reason)[:2800]}{ran}"
        case n.MergeRefused(name, request_id, owner_email, reason, pull_request):
            return (
                f"I did not merge {_pull_request(pull_request)} for {_name(name)} (`{request_id}`, "
                f"{words(owner_email)}): {words(reason)}. It needs a person: merge it on GitHub (the bot follows "
                "it from there), or close it to cancel."
            )
        case n.MassVanishing(missing, ready, example):
            return (
                f"{missing} of {ready} ready environments are missing in Google Cloud (for example {words(example)})."
                " That looks like a wrong project or a missing permission rather than drift, so the bot removed "
                "none of them. Check the bot's credentials and `gcp.project`."
            )
    raise TypeError(f"no words for {notice!r}")  # pragma: no cover - mypy checks every kind has words
