"""The parity rules (rules/parity.yaml): volatile paths, known gateway differences, status pairs that
mean the same, dropped parameters and tolerances; which case kinds and ladder steps they excuse.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from llmgw_migrate.resources import rules_path


def path_pattern(path: str) -> re.Pattern[str]:
    rx = re.escape(path).replace(r"\[\*\]", r"\[\d+\]")
    return re.compile(rx + r"(?:$|[.\[])")


@dataclass
class StatusEquivalent:
    id: str
    before: int
    after: int
    before_error_type: str | None = None
    # Case kinds the equivalence may excuse (e.g. only the unknown-model case): a status pair that means
    # "both refused" for a deliberate error case means "nothing works" for a plain chat.
    kinds: tuple[str, ...] = ()


@dataclass
class ParityRules:
    volatile: list[re.Pattern[str]] = field(default_factory=list)
    known: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)  # (rule id, path pattern)
    status_equivalents: list[StatusEquivalent] = field(default_factory=list)
    dropped_affect: list[re.Pattern[str]] = field(default_factory=list)
    dropped_params: dict[str, str] = field(default_factory=dict)
    usage_relative: float = 0.10
    usage_absolute: int = 2
    similarity: float = 0.80
    embedding_cosine: float = 0.9999

    def volatile_path(self, path: str) -> bool:
        return any(p.match(path) for p in self.volatile)

    def known_rule(self, path: str) -> str | None:
        for rule_id, p in self.known:
            if p.match(path):
                return rule_id
        return None


@functools.cache
def load_parity_rules() -> ParityRules:
    """rules/parity.yaml (+ the dropped-parameter list of rules/rewrites/dropped_params.yaml)."""
    from ruamel.yaml import YAML

    from llmgw_migrate.rules_data import dropped_params

    data = YAML(typ="safe").load(rules_path("parity.yaml").read_text(encoding="utf-8"))
    tol = data.get("tolerances") or {}
    return ParityRules(
        volatile=[path_pattern(v["path"]) for v in data.get("volatile") or ()],
        known=[(k["id"], path_pattern(p)) for k in data.get("known") or () for p in k.get("paths") or ()],
        status_equivalents=[
            StatusEquivalent(
                id=s["id"],
                before=int(s["before"]),
                after=int(s["after"]),
                before_error_type=s.get("before_error_type"),
                kinds=tuple(s.get("kinds") or ()),
            )
            for s in data.get("status_equivalents") or ()
        ],
        dropped_affect=[path_pattern(p) for p in data.get("dropped_params_affect") or ()],
        dropped_params=dropped_params(),
        usage_relative=float(tol.get("usage_relative", 0.10)),
        usage_absolute=int(tol.get("usage_absolute", 2)),
        similarity=float(tol.get("similarity", 0.80)),
        embedding_cosine=float(tol.get("embedding_cosine", 0.9999)),
    )


# Cases built to fail on both sides (error parity); every other case is an ordinary request that must work.
ERROR_CASE_KINDS = frozenset({"unknown-model", "bad-key"})


# Ladder steps whose answer depends on which deployment of a load-balanced group served the request.
DEPLOYMENT_CHECKS = frozenset({"model", "content", "usage", "tool_arguments", "json_mode", "embeddings"})
