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
from llmgw_migrate.findings import Finding, Location

_NAME = "`\x00name`"
_MODEL = "`\x00model`"
_INDEX = re.compile(r"\[\d+\]")
_SHOWN = 3  # models named in a merged message; the rest are counted (all of them are in locations)


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
            loc = Location(
                f.file,
                f.line,
                f.column,
                dep.model_name if dep else None,
                dep.model if dep else None,
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
        message = template.replace(_NAME, _names(names)).replace(_MODEL, _names(models))
        message += _touched(locations, message)
        out.append(first.replace(message=message, locations=locations))
    return out


def _touched(locations: list[Location], message: str) -> str:
    """A suffix naming the model_name and LiteLLM model of each deployment (the first few), unless the
    message already names the only one."""
    if len(locations) == 1:
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
    return f" ({len(locations)} deployments: {'; '.join(parts)}{more})"
