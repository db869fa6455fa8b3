"""Value helpers of the field ladder: paths into JSON, tool calls' names and arguments, text similarity,
embedding vectors and their cosine, and whether a path is related to a noisy one.
"""

from __future__ import annotations

import base64
import difflib
import math
import re
import struct
from typing import Any

from llmgw_migrate.verify.outcomes import MISSING

TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (dict, list, str)) and not value)


def both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def tool_call_name(call: Any) -> str | None:
    fn = call.get("function") if isinstance(call, dict) else None
    return fn.get("name") if isinstance(fn, dict) else None


def tool_call_args(call: Any) -> Any:
    fn = call.get("function") if isinstance(call, dict) else None
    return fn.get("arguments") if isinstance(fn, dict) else None


def get_path(value: Any, path: str) -> Any:
    cur = value
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return MISSING
    return cur


def path_related(path: str, noisy: set[str]) -> bool:
    for n in noisy:
        if path == n or path.startswith(n + ".") or path.startswith(n + "[") or n.startswith(path + "."):
            return True
        if n.startswith(path + "["):
            return True
    return False


def text_similarity(a: str, b: str) -> float:
    """0..1; characters for short texts, words for long ones (SequenceMatcher is quadratic)."""
    if a == b:
        return 1.0
    if len(a) + len(b) <= 4000:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def as_vector(raw: Any) -> list[float] | None:
    if isinstance(raw, list):
        return [float(x) for x in raw]
    if isinstance(raw, str):
        try:
            data = base64.b64decode(raw)
        except ValueError:
            return None
        return list(struct.unpack(f"<{len(data) // 4}f", data[: len(data) // 4 * 4]))
    return None


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return dot / (na * nb)
