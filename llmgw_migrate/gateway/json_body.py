"""Parsing a request body as JSON the way the gateway accepts it: strict, bounded, and safe to re-encode.

Python's json module accepts what the gateway must refuse with 400 (before auth, so no client can make
the server log tracebacks): NaN, Infinity and numbers that overflow to infinity (they would be forwarded
as `temperature=nan`), nesting deep enough to exhaust the recursion limit, and lone UTF-16 surrogates
(`"\\ud800"`), which decode to a str that cannot be encoded again.
"""

from __future__ import annotations

import json
import math
from typing import Any

from llmgw_migrate.gateway.errors import bad_request

MAX_DEPTH = 128  # far beyond any real request (JSON schemas included), far below the recursion limit


class _NonFinite(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _NonFinite(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NonFinite(text)
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def parse_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a GatewayError (400) saying what is wrong with it."""
    try:
        body = json.loads(raw, parse_constant=_constant, parse_float=_finite)
    except _NonFinite as exc:
        raise bad_request(
            f"Invalid number {exc} in request body: JSON numbers must be finite (no NaN or Infinity)",
            code="invalid_parameters",
        ) from None
    except RecursionError:
        raise bad_request(f"Request body nests deeper than {MAX_DEPTH} levels", code="invalid_json") from None
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON in request body", code="invalid_json") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object", code="invalid_json")
    # Cheap byte counts first: only a body with enough brackets can be too deep.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _too_deep(body):
        raise bad_request(f"Request body nests deeper than {MAX_DEPTH} levels", code="invalid_json")
    # A lone surrogate can only come from a \\uD800-\\uDFFF escape (raw UTF-8 cannot hold one).
    if b"\\ud" in raw or b"\\uD" in raw:
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request(
                "Invalid Unicode in request body: lone UTF-16 surrogate escape", code="invalid_json"
            ) from None
    return body
