"""The hand-over sheet: per project, each new key next to who or what used the old one (owner, team,
alias, masked old key name, last activity, top models of the last 30 days), so the operator can tell
every owner which new key replaces theirs. No key, raw or hashed, is part of it: the old key shows as
LiteLLM's own masked name and the short opaque id; the new one by its ref, which the `--tokens-out` file
of `keys apply` pairs with the new token.
"""

# ruff: noqa: E501  (table rows stay on one line)

from __future__ import annotations

import csv
import io

from llmgw_migrate.keys.plan_model import KeyPlan, KeysPlan
from llmgw_migrate.keys.render import _cell

COLUMNS = [
    "project", "new_key_ref", "new_key_description", "status", "old_key_alias", "old_key_name", "old_key_id",
    "user_id", "user_email", "team_id", "last_active", "requests_30d", "top_models",
]  # fmt: skip


def _grouped(plan: KeysPlan) -> list[tuple[str, list[KeyPlan]]]:
    by_ref: dict[str, list[KeyPlan]] = {}
    for key in plan.keys:
        by_ref.setdefault(key.project, []).append(key)
    return [(p.name, by_ref.get(p.ref, [])) for p in plan.projects]


def handover_csv(plan: KeysPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for name, keys in _grouped(plan):
        # Spelled out in COLUMNS' order, no call per key: 100,000 rows stay cheap (csv writes None as "").
        writer.writerows(
            [
                (
                    name,
                    k.ref,
                    k.description,
                    k.status,
                    k.alias,
                    k.old_key_name,
                    k.key_id,
                    k.user_id,
                    k.user_email,
                    k.team_id,
                    k.last_active,
                    k.requests_30d,
                    ", ".join(k.top_models),
                )
                for k in keys
            ]
        )
    return out.getvalue()


def handover_markdown(plan: KeysPlan) -> str:
    out = io.StringIO()
    w = out.write
    w("# Key hand-over sheet\n\n")
    w(
        "Each new gateway key replaces one LiteLLM virtual key. Send each owner the new token for their "
        "ref from the `keys apply --tokens-out` file; old keys show as LiteLLM's masked name.\n\n"
    )
    for name, keys in _grouped(plan):
        if not keys:
            continue
        w(f"## {_cell(name)}\n\n")
        w(
            "| New key (ref) | Description | Old key | Owner | Team | Last active | Requests (30 d) | Top models |\n"
        )
        w("|---|---|---|---|---|---|---|---|\n")
        for k in keys:
            owner = " ".join(x for x in (k.user_id, f"<{k.user_email}>" if k.user_email else None) if x)
            old = " ".join(x for x in (k.alias and f"'{k.alias}'", k.old_key_name, f"`{k.key_id}`") if x)
            w(
                f"| `{k.ref}` | {_cell(k.description)} | {_cell(old)} | {_cell(owner)} | {_cell(k.team_id)} | "
                f"{k.last_active or 'never'} | {k.requests_30d} | {_cell(', '.join(k.top_models))} |\n"
            )
        w("\n")
    if plan.skipped:
        w(f"Not migrated: {len(plan.skipped)} expired, deleted or management keys (see the plan).\n")
    return out.getvalue()


def render_handover(plan: KeysPlan, fmt: str) -> str:
    return handover_csv(plan) if fmt == "csv" else handover_markdown(plan)
