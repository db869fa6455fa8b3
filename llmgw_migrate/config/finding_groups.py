"""One finding per cause: the findings of many deployments that say the same thing become one.

A cause is a finding's code, status and message once the deployment's own names are taken out of it
(`gpt-4o-eu`: rpm set on the deployment -> `{name}`: rpm set on the deployment). The merged finding
names the models it touches in its message and keeps every deployment, with its line, in `locations`.
Every finding about a deployment names its client-facing model_name and its LiteLLM model.
"""

from __future__ import annotations

import re
from typing import Any

from llmgw_migrate.config.read import Deployment
from llmgw_migrate.findings import SEVERITY_ORDER, Finding, Location, Status

_NAME = "`\x00name`"
_MODEL = "`\x00model`"
_INDEX = re.compile(r"\[\d+\]")
_STATUS_RANK = {Status.exact: 0, Status.approximate: 1, Status.manual: 2, Status.unsupported: 3}
_SHOWN = 3  # models named in a merged message; the rest are counted (all of them are in locations)
# The verbs our messages put right after a deployment's name: a merged message naming several agrees.
_PLURAL = {
    "authenticates": "authenticate",
    "has": "have",
    "is": "are",
    "lists": "list",
    "needs": "need",
    "reaches": "reach",
    "sets": "set",
}
_VERB = re.compile(r"^ (" + "|".join(_PLURAL) + r")\b")


def _cause(f: Finding, dep: Deployment | None) -> tuple[Any, ...]:
    msg = f.message
    if dep is not None:
        msg = msg.replace(f"`{dep.model_name}`", _NAME)
        if dep.model != dep.model_name:
            msg = msg.replace(f"`{dep.model}`", _MODEL)
    elif f.code == "LGM101":  # inline secrets: `model_list[3].litellm_params.api_key` is one cause per key
        msg = _INDEX.sub("[*]", msg)
    return (f.code, f.status, f.severity, f.fix, dep is not None, msg)


def _names(items: list[str]) -> str:
    shown = [f"`{x}`" for x in items[:_SHOWN]]
    if len(items) > _SHOWN:
        return f"{', '.join(shown)} and {len(items) - _SHOWN} more"
    if len(shown) > 1:
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return shown[0]


def _agree(template: str, placeholder: str, items: list[str]) -> str:
    """`a` reaches, but `a`, `b` and 2 more reach: the verb after a placeholder standing for several."""
    # only where the names are the subject, i.e. open the message (not "deployment `x` of `a` is ...")
    if len(items) < 2 or not template.startswith(placeholder):
        return template
    rest = _VERB.sub(lambda m: " " + _PLURAL[m.group(1)], template[len(placeholder) :], count=1)
    return placeholder + rest


def group_findings(tagged: list[tuple[Finding, Deployment | None]]) -> list[Finding]:
    """Merge findings with the same cause; `tagged` pairs each finding with its deployment (or None)."""
    groups: dict[tuple[Any, ...], list[tuple[Finding, Deployment | None]]] = {}
    for f, dep in tagged:
        groups.setdefault(_cause(f, dep), []).append((f, dep))
    out: list[Finding] = []
    for key, members in groups.items():
        template = key[-1]
        first = members[0][0]
        if len(members) == 1 and members[0][1] is None:
            out.append(first)
            continue
        locations: list[Location] = []
        seen: set[tuple[Any, ...]] = set()
        for f, dep in members:
            # a finding that already gathers several places (a fold) keeps them all
            for at in f.locations or [Location(f.file, f.line, f.column)]:
                loc = Location(
                    at.file,
                    at.line,
                    at.column,
                    dep.model_name if dep else at.model,
                    dep.model if dep else at.litellm_model,
                )
                ident = (loc.file, loc.line, loc.column, loc.model)
                if ident not in seen:
                    seen.add(ident)
                    locations.append(loc)
        if members[0][1] is None:  # e.g. one inline secret key in many entries: `model_list[*]...`
            out.append(first.replace(message=f"{template} ({len(locations)} places)", locations=locations))
            continue
        names = list(dict.fromkeys(loc.model for loc in locations if loc.model))
        models = list(dict.fromkeys(loc.litellm_model for loc in locations if loc.litellm_model))
        message = _agree(template, _NAME, names).replace(_NAME, _names(names))
        message = _agree(message, _MODEL, models).replace(_MODEL, _names(models))
        message += _touched(locations, message, len({id(dep) for _f, dep in members}))
        out.append(first.replace(message=message, locations=locations))
    return _join_per_model(out)


def _join_per_model(findings: list[Finding]) -> list[Finding]:
    """One finding per code for each client-facing model: deployment findings of the same code whose
    values differ (two custom providers of one model, `timeout` on one deployment and `max_retries` on
    another, two retired models with different successors) but that touch a shared model become one,
    keeping each message, each fix and every location."""
    parent = list(range(len(findings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[Any, ...], int] = {}
    for i, f in enumerate(findings):
        for loc in f.locations:
            if loc.model is None:
                continue
            key = (f.code, loc.model)
            if key in owner:
                parent[root(i)] = root(owner[key])
            else:
                owner[key] = i
    members: dict[int, list[Finding]] = {}
    for i, f in enumerate(findings):
        members.setdefault(root(i), []).append(f)
    out: list[Finding] = []
    for i, f in enumerate(findings):
        group = members.get(root(i), [])
        if not group or group[0] is not f:
            continue
        if len(group) == 1:
            out.append(f)
            continue
        locations: list[Location] = []
        seen: set[tuple[Any, ...]] = set()
        for g in group:
            for loc in g.locations:
                ident = (loc.file, loc.line, loc.column, loc.model)
                if ident not in seen:
                    seen.add(ident)
                    locations.append(loc)
        message = "; ".join(dict.fromkeys(g.message for g in group))
        # one code, one model: the worst severity and status of its causes, and each distinct fix
        out.append(
            f.replace(
                message=message,
                locations=locations,
                severity=min((g.severity for g in group), key=lambda s: SEVERITY_ORDER[s]),
                status=max((g.status for g in group), key=lambda s: _STATUS_RANK[s]),
                fix=" ".join(dict.fromkeys(g.fix for g in group if g.fix)) or None,
            )
        )
    return out


def _touched(locations: list[Location], message: str, deployments: int) -> str:
    """A suffix naming the model_name and LiteLLM model of each deployment (the first few), unless the
    message already names the only one."""
    if len(locations) == 1 or (deployments == 1 and len({loc.model for loc in locations}) == 1):
        loc = locations[0]
        has_name = f"`{loc.model}`" in message
        has_model = f"`{loc.litellm_model}`" in message
        if has_name and has_model:
            return ""
        if loc.model == loc.litellm_model:
            return f" (model_name and LiteLLM model `{loc.model}`)"
        if has_name:
            return f" (LiteLLM model `{loc.litellm_model}`)"
        if has_model:
            return f" (model_name `{loc.model}`)"
        return f" (model_name `{loc.model}`, LiteLLM model `{loc.litellm_model}`)"
    lines: dict[tuple[str | None, str | None], list[str]] = {}
    for loc in locations:
        lines.setdefault((loc.model, loc.litellm_model), []).append(str(loc.line))
    parts = [
        f"`{name}` = `{litellm}` line{'s' if len(at) > 1 else ''} {', '.join(at)}"
        for (name, litellm), at in list(lines.items())[:_SHOWN]
    ]
    more = f"; and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
    return f" ({deployments} deployments: {'; '.join(parts)}{more})"
