"""Slack calls as a person would read them: who sees what, in order."""

from __future__ import annotations

import re
from typing import Any

from bot.demo.slack_api import Call

# Slack writes ``<!date^UNIX^format|fallback>`` in the reader's time zone; a transcript shows the fallback.
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def _text(obj: Any) -> str:
    text = str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")
    return _DATE.sub(r"\1", text)


def blocks_as_text(blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for b in blocks or []:
        kind = b.get("type")
        if kind == "section":
            lines += _text(b.get("text")).splitlines()
            for f in b.get("fields") or []:
                lines.append("  " + _text(f).replace("\n", ": "))
        elif kind == "context":
            lines.append("  " + " ".join(_text(e) for e in b.get("elements", [])))
        elif kind == "actions":
            buttons = []
            for e in b.get("elements", []):
                label = _text(e.get("text"))
                buttons.append(f"[{label}]" + (f" -> {e['url']}" if e.get("url") else ""))
            lines.append("  " + "  ".join(buttons))
        elif kind == "input":
            element = b.get("element") or {}
            extra = ""
            if element.get("options"):
                extra = " (" + " | ".join(_text(o.get("text")) for o in element["options"]) + ")"
            lines.append(f"  ▢ {_text(b.get('label'))}{extra}")
        elif kind == "divider":
            lines.append("  ---")
    return lines


def describe(call: Call, names: dict[str, str]) -> list[str]:
    """One call as the lines a person sees, or [] for calls nobody sees (lookups)."""
    a = call.args
    channel = str(a.get("channel", ""))
    who = names.get(channel, names.get("U" + channel[1:], channel))
    if call.method == "chat.postMessage":
        head = f"💬 new message to {who}"
    elif call.method == "chat.update":
        head = f"✏️  message updated for {who}"
    elif call.method == "chat.postEphemeral":
        head = f"👁  only {names.get(str(a.get('user')), a.get('user'))} sees"
    elif call.method == "views.open":
        view = a.get("view") or {}
        head = f"🪟 modal opens: {_text(view.get('title'))}"
        return [head, *blocks_as_text(view.get("blocks") or [])]
    elif call.method == "views.publish":
        head = f"🏠 App Home for {names.get(str(a.get('user_id')), a.get('user_id'))}"
        return [head, *blocks_as_text((a.get("view") or {}).get("blocks") or [])]
    elif call.method.startswith("response/"):
        head = "👁  private reply (only the person who typed or clicked sees it)"
    else:
        return []
    body = blocks_as_text(a.get("blocks") or []) or [str(a.get("text", ""))]
    return [head, *["   " + line for line in body]]
