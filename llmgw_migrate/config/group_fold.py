"""A load-balanced client-facing model's info-level facts about its deployments are one cause.

When a model is a LiteLLM load-balanced group (it has an LGM121), "several keys serve it" (LGM147) and
"its deployments' timeouts/retries do not carry over" (LGM128) are part of that one fact: they become
extra sentences of its LGM121, which keeps every deployment line they had in `locations`. Models that
are not load-balanced keep LGM147 and LGM128 as their own findings.
"""

from __future__ import annotations

from llmgw_migrate.config.read import Deployment
from llmgw_migrate.findings import Finding, Location


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
        if f.file is not None and f.line is not None:
            locs[dep.model_name].append(Location(f.file, f.line, f.column, dep.model_name, dep.model))
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
