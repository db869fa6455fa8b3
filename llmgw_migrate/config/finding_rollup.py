"""The roll-up: the findings about a model's deployments that do not change what it serves are one.

A deployment's findings are of two kinds:
- what the model serves (not in the catalog, retired, approximate or mixed mapping, a base URL the
  managed gateway cannot reach, ...): each cause stays a finding of its own, since each changes what
  clients get back;
- fields of its deployments that do not carry over exactly but leave the model as it is: settings
  with no gateway equivalent (rate limits, timeouts, request parameters, prices, model_info, ...) and
  how the gateway reaches the provider (custom provider, base URL path, credentials, inline secrets,
  several keys). LGM156 lists every one of them, with models and lines.
When these findings all share one code, that finding stays as it is: a roll-up only gathers several.
Each cause in the roll-up keeps its code in brackets, its message, its fix and every location.
Config-wide findings (router_settings, general_settings, ...) touch no model and are never rolled up.
LGM160, a note per provider about this tool's embedded gateway (not a deployment field), joins a
roll-up that exists but never makes one.
"""

from __future__ import annotations

from llmgw_migrate.findings import SEVERITY_ORDER, Finding, Location, Status, make

# litellm_params / model_info / entry keys that do not carry over exactly (settings.deployment_findings)
FIELDS = frozenset(
    {
        "LGM111",  # rpm, tpm, max_parallel_requests
        "LGM112",  # budgets
        "LGM116",  # model-level guardrails
        "LGM117",  # proxy-only keys
        "LGM118",  # request parameters clients must send
        "LGM119",  # request parameters the gateway drops
        "LGM125",  # unknown entry keys
        "LGM126",  # unknown litellm_params keys
        "LGM127",  # prompt management
        "LGM128",  # timeouts, retries
        "LGM130",  # OpenAI organization
        "LGM134",  # prices
        "LGM141",  # mock responses
        "LGM142",  # tags, access groups
        "LGM143",  # model_info metadata
        "LGM146",  # per-deployment routing (order, weight)
        # how the gateway reaches the provider; the model it serves stays the same
        "LGM101",  # inline secret in a model_list entry
        "LGM109",  # Bedrock IAM
        "LGM110",  # Vertex credentials
        "LGM129",  # base URL without /v1
        "LGM136",  # custom provider
        "LGM137",  # Azure AD
        "LGM139",  # credential_list reference
        "LGM140",  # custom provider without base URL
        "LGM147",  # several keys for one provider
    }
)
# not a field of a deployment, so never a reason to roll up, but a fact about its provider key: it joins
# a roll-up that is there anyway
JOINS = frozenset({"LGM160"})  # the embedded gateway has no adapter for the provider
ROLLUP = "LGM156"
_STATUS_RANK = {Status.exact: 0, Status.approximate: 1, Status.manual: 2, Status.unsupported: 3}


def _touches_model(f: Finding) -> bool:
    if f.code == "LGM147":  # made per provider, it names the models it touches
        return True
    if f.code == "LGM101":  # `model_list[*].litellm_params.api_key`, not general_settings.master_key
        return "`model_list[" in f.message
    return any(loc.model for loc in f.locations)


def roll_up(findings: list[Finding]) -> list[Finding]:
    """Replace the deployment-field findings by one LGM156 when they have more than one code."""
    members = [f for f in findings if f.code in FIELDS and _touches_model(f)]
    if len({f.code for f in members}) < 2:
        return findings
    # a roll-up that lists the provider keys' facts also takes the embedded gateway's note about them
    members += [f for f in findings if f.code in JOINS]
    rolled = {id(f) for f in members}
    return [f for f in findings if id(f) not in rolled] + [_combine(members)]


def _combine(group: list[Finding]) -> Finding:
    # the worst first: what needs work leads, notes follow
    group = sorted(
        group,
        key=lambda f: (SEVERITY_ORDER[f.severity], -_STATUS_RANK[f.status], f.code, f.line or 0),
    )
    locations: list[Location] = []
    seen: set[tuple[object, ...]] = set()
    for f in group:
        for loc in f.locations or [Location(f.file, f.line, f.column)]:
            ident = (loc.file, loc.line, loc.column, loc.model)
            if ident not in seen:
                seen.add(ident)
                locations.append(loc)
    codes = list(dict.fromkeys(f.code for f in group))
    head = (
        "fields of model_list entries that do not carry over exactly "
        f"({len(group)} causes: {', '.join(codes)}): "
    )
    message = head + "; ".join(f"[{f.code}] {f.message}" for f in group)
    fixes = list(dict.fromkeys(f"[{f.code}] {f.fix}" for f in group if f.fix))
    lead = min(group, key=lambda f: (f.file or "", f.line or 0, f.column or 0))
    return make(
        ROLLUP,
        message,
        file=lead.file,
        line=lead.line,
        column=lead.column,
        fix=" ".join(fixes),
        severity=group[0].severity,
        status=max((f.status for f in group), key=lambda s: _STATUS_RANK[s]),
    ).replace(locations=locations)
