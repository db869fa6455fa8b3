"""`verify --keys keys.json --old-keys FILE --new-tokens FILE`: key-permission parity.

Each old LiteLLM key (raw, from a file the operator keeps) is paired with its new gateway key through
the keys plan: the plan's `key_id` is the first characters of the old key's SHA-256, and the tokens
file of `keys apply` (or `gateway --keys`) holds the new token for that plan ref. Then, per pair:
- a model the old key may not use must be refused on both sides;
- a model it may use must be served on both sides;
- a key whose budget is exhausted must be refused on both sides (LiteLLM 422, gateway 401: LGM728).
Keys are sent only as headers to the two endpoints; reports show aliases and refs, never keys.
"""

# ruff: noqa: E501  (report lines stay on one line)

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from llmgw_migrate.errors import UserError
from llmgw_migrate.keys.plan_model import KeyPlan, KeysPlan
from llmgw_migrate.keys.source import KEY_ID_CHARS

PROMPT = [{"role": "user", "content": "Reply with the word OK."}]


@dataclasses.dataclass
class KeyCheck:
    ref: str
    label: str
    check: str  # denied-model | allowed-model | exhausted-budget
    model: str
    before: int | None
    after: int | None
    verdict: str  # pass | fail | known-difference
    note: str = ""


def read_old_keys(path: Path) -> dict[str, str]:
    """key_id -> raw old key, from a file of keys (one a line, or JSON lines with a `key` field)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read the old keys: {exc.strerror or exc}", path) from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("{"):
            try:
                text = str(json.loads(text).get("key") or "")
            except (ValueError, AttributeError):
                raise UserError("not a JSON object with a `key` field", path, n, 1) from None
        out[hashlib.sha256(text.encode()).hexdigest()[:KEY_ID_CHARS]] = text
    return out


def read_new_tokens(path: Path) -> dict[str, str]:
    """plan ref -> new token, from the JSON lines `keys apply --tokens-out` or `gateway --keys` wrote."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read the new tokens: {exc.strerror or exc}", path) from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out[str(row["ref"])] = str(row["token"])
        except (ValueError, KeyError, TypeError):
            raise UserError("each line must be a JSON object with `ref` and `token`", path, n, 1) from None
    return out


def pairs(plan: KeysPlan, old: dict[str, str], new: dict[str, str]) -> list[tuple[KeyPlan, str, str]]:
    return [(k, old[k.key_id], new[k.ref]) for k in plan.keys if k.key_id in old and k.ref in new]


def _allowed(key: KeyPlan) -> set[str] | None:
    models: set[str] | None = None
    for rule in key.iam_rules:
        if rule.rule_type == "allow_models":
            models = (models or set()) | set(rule.rule_value.get("models") or [])
    return models


def _chat(client: Any, base: str, key: str, model: str) -> int | None:
    import httpx

    url = base.rstrip("/").removesuffix("/v1") + "/v1/chat/completions"
    try:
        resp = client.post(url, json={"model": model, "messages": PROMPT, "max_tokens": 5},
                           headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    except httpx.HTTPError:
        return None
    return int(resp.status_code)


def run_key_parity(
    before: str,
    after: str,
    plan: KeysPlan,
    paired: list[tuple[KeyPlan, str, str]],
    names: dict[str, str],
    timeout: float = 60.0,
) -> list[KeyCheck]:
    """`names`: LiteLLM model name -> gateway catalog id (from the migration plan)."""
    import httpx

    checks: list[KeyCheck] = []
    by_id: dict[str, str] = {}
    for name, gid in sorted(names.items()):
        by_id.setdefault(gid, name)
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        for key, old, new in paired:
            label = f"key '{key.alias}'" if key.alias else f"key {key.key_id}"
            allowed = _allowed(key)
            ok_ids = sorted(by_id) if allowed is None else sorted(i for i in by_id if i in allowed)
            denied_ids = [] if allowed is None else sorted(i for i in by_id if i not in allowed)
            exhausted = key.usage_limit is not None and float(key.usage_limit) == 0
            if ok_ids:
                gid = ok_ids[0]
                b, a = _chat(client, before, old, by_id[gid]), _chat(client, after, new, gid)
                if exhausted:
                    refused = b is not None and b >= 400 and a == 401
                    checks.append(KeyCheck(key.ref, label, "exhausted-budget", by_id[gid], b, a,
                                           "known-difference" if refused else "fail",
                                           "LiteLLM 422 budget_exceeded vs gateway 401 usage limit (LGM728)"
                                           if refused else "LGM729: one side served a key whose budget is spent"))  # fmt: skip
                else:
                    served = b is not None and a is not None and b < 300 and a < 300
                    checks.append(KeyCheck(key.ref, label, "allowed-model", by_id[gid], b, a,
                                           "pass" if served else "fail", "" if served else "LGM729"))  # fmt: skip
            if denied_ids:
                gid = denied_ids[0]
                b, a = _chat(client, before, old, by_id[gid]), _chat(client, after, new, gid)
                refused = b in (401, 403) and a == 403
                checks.append(KeyCheck(key.ref, label, "denied-model", by_id[gid], b, a,
                                       "pass" if refused else "fail", "" if refused else "LGM729"))  # fmt: skip
    return checks


def render(checks: list[KeyCheck], unpaired: int) -> str:
    lines = [f"{'key':<32} {'check':<17} {'model':<24} {'before':>6} {'after':>6}  verdict"]
    for c in checks:
        lines.append(
            f"{c.label[:32]:<32} {c.check:<17} {c.model[:24]:<24} {c.before or '-':>6} {c.after or '-':>6}  "
            f"{c.verdict}{': ' + c.note if c.note else ''}"
        )
    fails = sum(1 for c in checks if c.verdict == "fail")
    lines.append(
        f"{len(checks)} key checks: {fails} failed, {sum(1 for c in checks if c.verdict == 'known-difference')} "
        f"known differences; {unpaired} plan keys without both an old key and a new token"
    )
    return "\n".join(lines) + "\n"
