"""What a comparison ends as: pass, differ or error, with its differences (known and noise apart), and
how values and transport failures are shown in reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.verify.replay import Exchange

PASS, DIFFER, ERROR = "pass", "differ", "error"


MISSING: Any = object()


MAX_VALUE_CHARS = 300


@dataclass
class Difference:
    path: str
    before: Any
    after: Any
    check: str  # ladder step: status | envelope | schema | stream | model | finish_reason | tool_calls | ...
    rule: str | None = None  # parity rule id, for known differences

    def as_dict(self) -> dict[str, Any]:
        out = {"path": self.path, "before": self.before, "after": self.after, "check": self.check}
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass
class Comparison:
    status: str
    differences: list[Difference] = field(default_factory=list)
    known: list[Difference] = field(default_factory=list)
    noise: list[Difference] = field(default_factory=list)
    error: str | None = None


@dataclass
class CompareOptions:
    similarity: float | None = None  # None: rules' default
    usage_relative: float | None = None
    usage_absolute: int | None = None


def shorten(value: Any) -> Any:
    """Keep report values small: long strings and big structures are cut."""
    if value is MISSING:
        return None
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "..."
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > MAX_VALUE_CHARS:
            return text[:MAX_VALUE_CHARS] + "..."
    return value


def error_message(ex: Exchange, width: int = 200) -> str | None:
    """The reason a side gave for a failed request: transport error, error.message, or the raw text."""
    if ex.error:
        return ex.error
    if ex.ok:
        return None
    body = ex.body
    msg: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
        elif isinstance(err, str):
            msg = err
        msg = msg or body.get("detail") or body.get("message")
    if not msg and ex.stream is not None:
        for chunk in ex.stream.chunks():
            if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
                msg = chunk["error"].get("message")
                break
    if not msg:
        msg = ex.text
    if not isinstance(msg, str):
        msg = json.dumps(msg, default=str)
    text = " ".join(msg.split())
    if not text:
        return None
    return text if len(text) <= width else text[: width - 3] + "..."


def failure_message(name: str, ex: Exchange) -> str:
    msg = error_message(ex)
    status = ex.status if ex.status is not None else "no answer"
    return f"{name} {status}" + (f": {msg}" if msg else "")
