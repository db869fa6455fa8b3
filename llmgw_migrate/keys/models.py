"""A key's effective model scope in LiteLLM, and the gateway IAM rules that express it.

LiteLLM ANDs the key's and the team's lists; the gateway ORs two allow_models rules of one key, so the
plan holds ONE allow_models rule with the intersection (keys-and-teams.md sec. 2 and 8). Sentinels,
access groups and wildcards are expanded before the intersection.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable

ALL_SENTINELS = {"*", "all-proxy-models"}
TEAM_SENTINEL = "all-team-models"


@dataclasses.dataclass(slots=True)
class Scope:
    """`everything` or: literal names, provider wildcards (`openai/*`) and name patterns (`claude-*`)."""

    everything: bool = False
    names: set[str] = dataclasses.field(default_factory=set)
    providers: set[str] = dataclasses.field(default_factory=set)
    patterns: set[str] = dataclasses.field(default_factory=set)
    unknown_groups: set[str] = dataclasses.field(default_factory=set)

    def matches(self, name: str) -> bool:
        if self.everything or name in self.names:
            return True
        prefix = name.split("/", 1)[0] if "/" in name else None
        if prefix is not None and prefix in self.providers:
            return True
        return any(fnmatch.fnmatchcase(name, p) for p in self.patterns)


EVERYTHING = Scope(everything=True)


def scope_of(
    models: Iterable[str] | None,
    access_groups: dict[str, list[str]],
    known_names: set[str],
    team: Scope | None = None,
) -> Scope:
    """The scope one LiteLLM `models` list grants. `team`: what `all-team-models` inherits."""
    items = [m for m in (models or []) if isinstance(m, str) and m.strip()]
    if not items:
        return EVERYTHING
    scope = Scope()
    for item in items:
        if item in ALL_SENTINELS:
            return EVERYTHING
        if item == TEAM_SENTINEL:
            if team is None or team.everything:
                return EVERYTHING
            scope.names |= team.names
            scope.providers |= team.providers
            scope.patterns |= team.patterns
        elif item in access_groups and item not in known_names:
            if access_groups[item]:
                scope.names.update(access_groups[item])
            else:
                scope.unknown_groups.add(item)
        elif item.endswith("/*") and item.count("*") == 1:
            scope.providers.add(item[:-2])
        elif "*" in item or "?" in item:
            scope.patterns.add(item)
        else:
            scope.names.add(item)
    return scope


def intersect(a: Scope, b: Scope) -> Scope:
    if a.everything:
        return b
    if b.everything:
        return a
    out = Scope()
    out.names = {n for n in a.names if b.matches(n)} | {n for n in b.names if a.matches(n)}
    out.providers = a.providers & b.providers
    out.patterns = a.patterns & b.patterns
    # A pattern of one side narrowed by a provider of the other: keep the pattern only when it is
    # inside that provider (openai/gpt-* within openai/*), which stays exact.
    for p in a.patterns | b.patterns:
        prefix = p.split("/", 1)[0] if "/" in p else None
        other = b if p in a.patterns else a
        if prefix and prefix in other.providers:
            out.patterns.add(p)
    out.unknown_groups = a.unknown_groups | b.unknown_groups
    return out


@dataclasses.dataclass(slots=True)
class Rules:
    """The IAM rules for one key, and what could not be expressed."""

    allow_models: list[str] | None = None
    allow_providers: list[str] | None = None
    unmapped: list[str] = dataclasses.field(default_factory=list)
    expanded_patterns: list[str] = dataclasses.field(default_factory=list)
    unexpressed_patterns: list[str] = dataclasses.field(default_factory=list)
    unmapped_providers: list[str] = dataclasses.field(default_factory=list)


def rules_for(
    scope: Scope,
    known_names: Iterable[str],
    map_model: Callable[[str], str | None],
    map_provider: Callable[[str], list[str]],
) -> Rules:
    """allow_models / allow_providers for a scope. Name patterns are expanded against the model names
    the proxy serves; provider wildcards become allow_providers when they stand alone, and are expanded
    to the proxy's names of that provider when mixed with names (the gateway ANDs the two rule types)."""
    rules = Rules()
    if scope.everything:
        return rules
    names = set(scope.names)
    for pattern in sorted(scope.patterns):
        hits = [n for n in known_names if fnmatch.fnmatchcase(n, pattern)]
        if hits:
            names.update(hits)
            rules.expanded_patterns.append(pattern)
        else:
            rules.unexpressed_patterns.append(pattern)
    providers: list[str] = []
    if scope.providers and not names and not scope.patterns:
        for prefix in sorted(scope.providers):
            mapped = map_provider(prefix)
            if mapped:
                providers.extend(p for p in mapped if p not in providers)
            else:
                rules.unmapped_providers.append(prefix)
        if providers:
            rules.allow_providers = providers
            return rules
        rules.allow_models = []  # nothing expressible: deny rather than widen
        return rules
    for prefix in sorted(scope.providers):
        hits = [n for n in known_names if n.startswith(prefix + "/")]
        names.update(hits)
        rules.expanded_patterns.append(f"{prefix}/*")
    ids: list[str] = []
    for name in sorted(names):
        gid = map_model(name)
        if gid is None:
            rules.unmapped.append(name)
        elif gid not in ids:
            ids.append(gid)
    rules.allow_models = ids
    return rules
