"""A model group's facts about its deployments are one cause with the group's own finding.

When a model is a LiteLLM load-balanced group (it has an LGM121), "several keys serve it" (LGM147) and
"its deployments' timeouts/retries do not carry over" (LGM128) are part of that one fact: they become
extra sentences of its LGM121, which keeps every deployment line they had in `locations`. Models that
are not load-balanced keep LGM147 and LGM128 as their own findings.
"""

from __future__ import annotations

from llmgw_migrate.config.read import Deployment
from llmgw_migrate.findings import SEVERITY_ORDER, Finding, Location, Status

STATUS_RANK = {Status.exact: 0, Status.approximate: 1, Status.manual: 2, Status.unsupported: 3}


def fold_into_groups(
    findings: list[Finding],
    per_deployment: list[tuple[Finding, Deployment]],
    groups: dict[str, tuple[int, str]],
    key_models: dict[int, list[str]],
) -> tuple[list[Finding], list[tuple[Finding, Deployment]]]:
    """`groups`: model_name -> (index in `findings` of its LGM121, its LiteLLM model);
    `key_models`: index in `findings` of an LGM147 -> the models its keys serve."""
    extra: dict[str, list[str]] = {name: [] for name in groups}
    locs: dict[str, list[Location]] = {name: [] for name in groups}
    dropped: set[int] = set()
    for i, models in key_models.items():
        # only when every model the keys serve is a group: otherwise the LGM147 stays whole
        if not models or any(m not in groups for m in models):
            continue
        f = findings[i]
        dropped.add(i)
        count = f.message.split(" ", 1)[0]
        label = f.message.split("`", 2)[1]
        for m in models:
            extra[m].append(
                f"Several keys serve it: {count} different keys or settings for provider `{label}`, "
                "each listed as its own provider key"
            )
            if f.file is not None and f.line is not None:
                locs[m].append(Location(f.file, f.line, f.column, m, groups[m][1]))
    timeouts: dict[str, list[str]] = {}
    kept: list[tuple[Finding, Deployment]] = []
    for f, dep in per_deployment:
        if f.code != "LGM128" or dep.model_name not in groups:
            kept.append((f, dep))
            continue
        what = f.message.removeprefix(f"`{dep.model_name}`: ")
        timeouts.setdefault(dep.model_name, [])
        if what not in timeouts[dep.model_name]:
            timeouts[dep.model_name].append(what)
        for at in f.locations or [Location(f.file, f.line, f.column)]:
            if at.file is not None and at.line is not None:
                locs[dep.model_name].append(Location(at.file, at.line, at.column, dep.model_name, dep.model))
    for name, whats in timeouts.items():
        extra[name].append(
            f"Timeouts and retries set on its deployments ({'; '.join(whats)}) do not carry over: "
            "the gateway applies its own"
        )
    out = list(findings)
    for name, (i, litellm_model) in groups.items():
        if not extra[name]:
            continue
        f = out[i]
        own = Location(f.file, f.line, f.column, name, litellm_model)
        seen: set[tuple[object, ...]] = set()
        locations: list[Location] = []
        for loc in [own, *f.locations, *locs[name]]:
            ident = (loc.file, loc.line, loc.model)  # LGM147 points at the group's own line, column 1
            if ident not in seen:
                seen.add(ident)
                locations.append(loc)
        message = f.message.rstrip(".") + ". " + ". ".join(extra[name]) + "."
        out[i] = f.replace(message=message, locations=locations)
    return [f for i, f in enumerate(out) if i not in dropped], kept


def fold_into_mixed(
    findings: list[Finding],
    per_deployment: list[tuple[Finding, Deployment]],
    mixed: dict[str, tuple[int, str]],
    first_target: set[int],
    fields: frozenset[str],
) -> tuple[list[Finding], list[tuple[Finding, Deployment]]]:
    """`mixed`: model_name -> (index in `findings` of its LGM122, the LiteLLM model of its first
    deployment); `first_target`: ids of the deployments that become the same gateway model through the
    same provider as their group's first one. A mixed group serves its first deployment's model only;
    what the plan says about its other models (not in the catalog, retired, ...) is about what clients
    must then send explicitly, part of that LGM122. Those findings become its sentences, keeping code,
    severity and every line.
    The first deployment's own findings, and field findings (`fields`, rolled up elsewhere), stay."""
    if not mixed:
        return findings, per_deployment
    sentences: dict[str, dict[str, list[Location]]] = {name: {} for name in mixed}
    worst: dict[str, list[Finding]] = {name: [] for name in mixed}
    kept: list[tuple[Finding, Deployment]] = []
    for f, dep in per_deployment:
        group = mixed.get(dep.model_name)
        if group is None or id(dep) in first_target or f.code in fields:
            kept.append((f, dep))
            continue
        text = f"[{f.code}] {f.message} (LiteLLM model `{dep.model}`"
        sentences[dep.model_name].setdefault(text, []).append(
            Location(f.file, f.line, f.column, dep.model_name, dep.model)
        )
        worst[dep.model_name].append(f)
    out = list(findings)
    for name, (i, _first) in mixed.items():
        if not sentences[name]:
            continue
        f = out[i]
        parts = []
        locations = list(f.locations) or [Location(f.file, f.line, f.column, name, _first)]
        for text, locs in sentences[name].items():
            lines = ", ".join(str(loc.line) for loc in locs)
            parts.append(f"{text}, line{'s' if len(locs) > 1 else ''} {lines})")
            locations.extend(locs)
        severity = min([f.severity, *(g.severity for g in worst[name])], key=lambda s: SEVERITY_ORDER[s])
        lead = f.message.rstrip(".") + ". Its other deployments, not served under this name: "
        message = lead + "; ".join(parts)
        fixes = dict.fromkeys([f.fix, *(f"[{g.code}] {g.fix}" for g in worst[name] if g.fix)])
        out[i] = f.replace(
            message=message,
            locations=locations,
            severity=severity,
            status=max([f.status, *(g.status for g in worst[name])], key=lambda s: STATUS_RANK[s]),
            fix=" ".join(x for x in fixes if x),
        )
    return out, kept


# Reasons a deployment cannot be served at all, the one users look for first leading.
UNSERVABLE = ("LGM103", "LGM135", "LGM148", "LGM154", "LGM190")


def fold_unservable(per_deployment: list[tuple[Finding, Deployment]]) -> list[tuple[Finding, Deployment]]:
    """A deployment that cannot be served for several reasons (an embedding model on a custom provider
    the managed gateway cannot reach) gets one finding saying each reason, with each reason's line."""
    by_dep: dict[int, list[Finding]] = {}
    for f, dep in per_deployment:
        if f.code in UNSERVABLE:
            by_dep.setdefault(id(dep), []).append(f)
    folded: dict[int, Finding] = {}  # id of the lead finding -> the lead with the others in it
    dropped: set[int] = set()
    for fs in by_dep.values():
        if len(fs) < 2:
            continue
        fs = sorted(fs, key=lambda f: UNSERVABLE.index(f.code))
        lead, rest = fs[0], fs[1:]
        message = lead.message + "; and " + "; and ".join(f"[{f.code}] {f.message}" for f in rest)
        fixes = dict.fromkeys([lead.fix, *(f"[{f.code}] {f.fix}" for f in rest if f.fix)])
        folded[id(lead)] = lead.replace(
            message=message,
            severity=min((f.severity for f in fs), key=lambda s: SEVERITY_ORDER[s]),
            status=max((f.status for f in fs), key=lambda s: STATUS_RANK[s]),
            fix=" ".join(x for x in fixes if x),
            locations=[Location(f.file, f.line, f.column) for f in fs],
        )
        dropped.update(id(f) for f in rest)
    if not folded:
        return per_deployment
    return [(folded.get(id(f), f), dep) for f, dep in per_deployment if id(f) not in dropped]
