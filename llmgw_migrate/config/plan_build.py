"""Typed LiteLLM config + gateway catalog + rules -> migration Plan.

load_config (read) -> Resolver per deployment (resolve/) -> groups, aliases, fallbacks,
provider keys (here) + settings/secret findings (settings) -> Plan
"""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import datetime as dt
import fnmatch
from collections import Counter
from pathlib import Path
from typing import Any

from llmgw_migrate.config.catalog import Catalog, load_catalog
from llmgw_migrate.config.finding_groups import group_findings
from llmgw_migrate.config.finding_rollup import FIELDS, roll_up
from llmgw_migrate.config.gc_pause import paused_gc
from llmgw_migrate.config.group_fold import fold_into_groups, fold_into_mixed, fold_unservable
from llmgw_migrate.config.plan import FallbackChain, ModelMapping, Plan, ProviderKey
from llmgw_migrate.config.plan import Target as PlanTarget
from llmgw_migrate.config.read import (
    Deployment,
    LiteLLMConfig,
    Loc,
    YList,
    YMap,
    label,
    load_config,
    type_name,
)
from llmgw_migrate.config.resolve import KeySpec, Resolver, Target
from llmgw_migrate.config.settings import (
    credential_map,
    deployment_findings,
    iter_secrets,
    secret_findings,
    section_findings,
)
from llmgw_migrate.findings import Finding, Status, make
from llmgw_migrate.secret_text import mask_secrets

_STATUS_RANK = {Status.exact: 0, Status.approximate: 1, Status.manual: 2, Status.unsupported: 3}
FALLBACK_KINDS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks")


def worst(*statuses: Status) -> Status:
    return max(statuses, key=lambda s: _STATUS_RANK[s])


def _f(code: str, message: str, loc: Loc, **kw: Any) -> Finding:
    return make(code, message, file=loc.file, line=loc.line, column=loc.column, **kw)


def convert_file(
    path: Path,
    *,
    target: str = "managed",
    routing: str = "pinned",
    as_of: dt.date | None = None,
) -> Plan:
    """Read a LiteLLM proxy config and build its migration plan. Raises UserError on bad input."""
    with paused_gc():
        config = load_config(path)
        return convert_config(config, target=target, routing=routing, as_of=as_of)


def convert_config(
    config: LiteLLMConfig,
    *,
    target: str = "managed",
    routing: str = "pinned",
    as_of: dt.date | None = None,
    catalog: Catalog | None = None,
) -> Plan:
    if routing not in ("pinned", "smart"):
        raise ValueError(f"routing must be pinned or smart, not {routing!r}")
    today = as_of or dt.date.today()
    catalog = catalog or load_catalog()
    from llmgw_migrate.rules_data import dropped_params

    dropped = dropped_params()
    findings: list[Finding] = []
    per_deployment: list[tuple[Finding, Deployment]] = []  # merged per cause at the end
    credentials, cred_findings = credential_map(config)
    findings.extend(cred_findings)
    resolver = Resolver(catalog, today, routing, credentials, _custom_handlers(config), target=target)

    # 1. every deployment, grouped by model_name (first appearance order)
    groups: dict[str, list[Target]] = {}
    for dep in config.deployments:
        t = resolver.resolve(dep)
        for f in t.findings:
            per_deployment.append((f, dep))
        for f in deployment_findings(dep, dropped):
            per_deployment.append((f, dep))
        groups.setdefault(dep.model_name, []).append(t)

    models: list[ModelMapping] = []
    by_name: dict[str, ModelMapping] = {}
    lb_groups: dict[str, tuple[int, str]] = {}  # model_name -> (its LGM121 in findings, LiteLLM model)
    mixed: dict[str, tuple[int, str]] = {}  # model_name -> (its LGM122 in findings, first LiteLLM model)
    first_target: set[int] = set()  # deployments of a mixed group that serve what its first one does
    for name, targets in groups.items():
        mapping, extra = _group_mapping(name, targets, resolver)
        for f in extra:
            if f.code == "LGM121" and name not in lb_groups:
                lb_groups[name] = (len(findings), targets[0].deployment.model)
            if f.code == "LGM122" and name not in mixed:
                mixed[name] = (len(findings), targets[0].deployment.model)
                lead = (targets[0].deployment.model, targets[0].provider, targets[0].gateway_model)
                first_target.update(
                    id(t.deployment)
                    for t in targets
                    if (t.deployment.model, t.provider, t.gateway_model) == lead
                )
            findings.append(f)
        models.append(mapping)
        by_name[name] = mapping

    # 2. aliases
    wildcards = [(name, ts[0]) for name, ts in groups.items() if ts[0].wildcard]
    alias_models, alias_findings = _aliases(config, by_name, wildcards, resolver)
    findings.extend(alias_findings)
    for m in alias_models:
        if m.name in by_name:
            continue  # a real model_name wins over an alias of the same name, as in LiteLLM
        models.append(m)
        by_name[m.name] = m

    # 3. fallbacks
    chains, fb_findings = _fallbacks(config, by_name, catalog)
    findings.extend(fb_findings)

    # 4. provider keys
    keys = _provider_keys(groups, catalog)
    providers_with_several: dict[tuple[str, str | None], list[ProviderKey]] = {}
    for k in keys:
        providers_with_several.setdefault((k.provider, k.name), []).append(k)
    key_models: dict[int, list[str]] = {}  # LGM147 in findings -> the models its keys serve
    for (prov, key_name), ks in providers_with_several.items():
        if len(ks) > 1:
            key_models[len(findings)] = list(dict.fromkeys(m for k in ks for m in k.models))
            label = key_name or prov
            where = by_name.get(ks[1].models[0]) if ks[1].models else None
            findings.append(
                make(
                    "LGM147",
                    f"{len(ks)} different keys or settings for provider `{label}` ({_key_users(ks)}): "
                    "each is listed as its own provider key",
                    file=where.file if where else config.path,
                    line=where.line if where else 1,
                    column=1,
                )
            )

    # a load-balanced group's several keys and timeouts are facts of its one LGM121
    findings, per_deployment = fold_into_groups(findings, per_deployment, lb_groups, key_models)
    # a mixed group's other models are part of its LGM122
    findings, per_deployment = fold_into_mixed(findings, per_deployment, mixed, first_target, FIELDS)
    per_deployment = fold_unservable(per_deployment)

    # 4b. providers the embedded gateway (`gateway`, `verify --after embedded`) cannot serve
    findings.extend(_embedded_gaps(models, config.path))

    # 5. settings, sections, secrets
    findings.extend(section_findings(config))
    secrets = list(iter_secrets(config.root))
    findings.extend(secret_findings(config, secrets))
    tagged: list[tuple[Finding, Deployment | None]] = [(f, None) for f in _dedupe(findings)]
    tagged.extend(per_deployment)
    findings = roll_up(group_findings(tagged))
    findings.sort(key=lambda f: f.sort_key())
    plan = Plan(
        source=config.path,
        target=PlanTarget(target),
        as_of=today.isoformat(),
        routing=routing,  # type: ignore[arg-type]
        models=models,
        provider_keys=keys,
        fallbacks=chains,
        findings=findings,
    )
    return _redacted(plan, secrets)


def _embedded_gaps(models: list[ModelMapping], source: str) -> list[Finding]:
    """One LGM160 per provider of the plan that the embedded gateway has no adapter for: the hosted
    gateway serves those models, but a local `verify --after embedded` answers 400 for them."""
    gaps: dict[str, list[ModelMapping]] = {}
    for m in models:
        if m.provider and m.gateway_model and not m.custom and m.alias_of is None and "*" not in m.name:
            gaps.setdefault(m.provider, []).append(m)
    if not gaps:
        return []
    # The gateway side knows its adapters; asked lazily, only when the plan has providers to check.
    from llmgw_migrate.gateway.providers import adapter_for

    out = []
    for provider, ms in sorted(gaps.items()):
        modes = {m.mode: adapter_for(provider, "embeddings" if m.mode == "embedding" else "chat") for m in ms}
        missing = [m for m in ms if modes[m.mode] is None]
        if not missing:
            continue
        names = ", ".join(f"`{m.name}`" for m in missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        first = missing[0]
        out.append(
            make(
                "LGM160",
                f"the embedded gateway (`llmgw-migrate gateway`, `verify --after embedded`) cannot serve provider `{provider}` "
                f"({names}): it answers 400 for them; verify them against the hosted gateway",
                file=first.file or source,
                line=first.line or 1,
                column=1,
            )
        )
    return out


def _custom_handlers(config: LiteLLMConfig) -> dict[str, str]:
    """litellm_settings.custom_provider_map as {provider prefix: handler}."""
    ls = config.litellm_settings
    items = ls.get("custom_provider_map") if ls is not None else None
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("provider"), str) and item["provider"].strip():
            out[item["provider"].strip()] = label(item.get("custom_handler"))
    return out


def _redacted(plan: Plan, found: list[tuple[str, Loc, str]]) -> Plan:
    """The plan with every inline secret value of the config replaced by ***, wherever it ended up.

    Messages never quote secret-ish values on purpose; this pass makes sure no odd path (an alias named
    like a key, a secret used as a model name) carries one into the output. It rewrites values and
    user-named keys only: a password such as `litellm` or `exact` must not turn the schema's own field
    names or enum words (`litellm_model`, `exact`) into *** and make the plan invalid.
    """
    secrets = {v for _p, _l, v in found if len(v) >= 3}
    if not secrets:
        return plan
    data = plan.model_dump(mode="json", by_alias=True)
    vocabulary = _schema_vocabulary()
    cleaned = _redact_tree(data, secrets, vocabulary)
    return plan if cleaned == data else Plan.model_validate(cleaned)


def _redact_tree(node: Any, secrets: set[str], vocabulary: frozenset[str]) -> Any:
    if isinstance(node, str):
        return node if node in vocabulary else mask_secrets(node, secrets)
    if isinstance(node, list):
        return [_redact_tree(item, secrets, vocabulary) for item in node]
    if isinstance(node, dict):
        return {
            (k if k in vocabulary else mask_secrets(k, secrets)): _redact_tree(v, secrets, vocabulary)
            for k, v in node.items()
        }
    return node


_VOCABULARY: frozenset[str] | None = None


def _schema_vocabulary() -> frozenset[str]:
    """The plan schema's field names and enum/const words: fixed text, never a user's secret."""
    global _VOCABULARY
    if _VOCABULARY is None:
        words: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                props = node.get("properties")
                if isinstance(props, dict):
                    words.update(props)
                for key in ("enum", "const"):
                    value = node.get(key)
                    if isinstance(value, list):
                        words.update(v for v in value if isinstance(v, str))
                    elif isinstance(value, str):
                        words.add(value)
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(Plan.model_json_schema())
        _VOCABULARY = frozenset(words)
    return _VOCABULARY


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.code, f.file, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --------------------------------------------------------------------------------------------------
# groups


def _group_mapping(
    name: str, targets: list[Target], resolver: Resolver
) -> tuple[ModelMapping, list[Finding]]:
    first = targets[0]
    dep = first.deployment
    findings: list[Finding] = []
    status = worst(*(t.status for t in targets))
    gateway_model = first.gateway_model
    provider = first.provider
    catalog_id = first.catalog.id if first.catalog else None
    if len(targets) > 1 or first.expands_to > 1:
        counted = Counter(t.deployment.model for t in targets)  # `x` x7, not `x`, `x`, ... seven times
        members = ", ".join(f"`{m}`" + (f" x{n}" if n > 1 else "") for m, n in counted.items())
        ids = {t.catalog.id if t.catalog else None for t in targets}
        provs = {t.provider for t in targets}
        usable = all(t.catalog is not None and not t.custom for t in targets)
        same_target = gateway_model is not None and all(t.gateway_model == gateway_model for t in targets)
        unresolved_same = gateway_model is None and len({t.deployment.model for t in targets}) == 1
        if len(provs) == 1 and unresolved_same:
            # one deployment name on several servers, with no gateway id yet: each entry's own finding says why
            findings.append(
                _f(
                    "LGM121",
                    f"`{name}` load-balances {sum(t.expands_to for t in targets)} deployments of `{dep.model}`: once it has a gateway model id (see its other findings), that one id replaces them; the gateway's routing and failover replace LiteLLM's",
                    dep.name_loc,
                )
            )
            status = worst(status, Status.approximate)
        elif len(provs) == 1 and (same_target or (usable and len(ids) == 1)):
            findings.append(
                _f(
                    "LGM121",
                    f"`{name}` load-balances {sum(t.expands_to for t in targets)} deployments ({members}): one gateway model `{gateway_model}`; the gateway's routing and failover replace LiteLLM's",
                    dep.name_loc,
                )
            )
            status = worst(status, Status.approximate)
        elif usable and len(ids) == 1:
            model = first.catalog
            assert model is not None
            live = {p.provider for p in model.live_mappings(resolver.today)}
            if provs <= live:
                gateway_model = model.id
                provider = None
                findings.append(
                    _f(
                        "LGM121",
                        f"`{name}` load-balances {sum(t.expands_to for t in targets)} deployments over {', '.join(sorted(p for p in provs if p))} ({members}): bare id `{model.id}` lets the gateway route across them",
                        dep.name_loc,
                    )
                )
                status = worst(status, Status.approximate)
            else:
                missing = ", ".join(sorted(p for p in provs - live if p))
                findings.append(
                    _f(
                        "LGM122",
                        f"`{name}` mixes providers ({members}); the catalog model `{model.id}` is not served by {missing}",
                        dep.name_loc,
                    )
                )
                status = worst(status, Status.manual)
        else:
            findings.append(
                _f(
                    "LGM122",
                    f"`{name}` mixes different models or servers ({members}); no single gateway id covers them"
                    + (f"; using `{gateway_model}` from the first deployment" if gateway_model else ""),
                    dep.name_loc,
                )
            )
            status = worst(status, Status.manual)
    if first.wildcard:
        gateway_model = None
    return (
        ModelMapping(
            name=name,
            gateway_model=gateway_model,
            provider=provider,
            litellm_model=dep.model,
            deployments=sum(t.expands_to for t in targets),
            status=status,
            catalog_id=catalog_id,
            upstream_model=first.upstream,
            mode=first.mode,
            custom=first.custom,
            file=dep.file,
            line=dep.loc.line,
        ),
        findings,
    )


# --------------------------------------------------------------------------------------------------
# aliases


def _alias_entries(config: LiteLLMConfig) -> list[tuple[str, Any, bool, Loc, str]]:
    """(alias, target, hidden, location, source) from router_settings.model_group_alias and model_alias_map."""
    out: list[tuple[str, Any, bool, Loc, str]] = []
    for section, key in (("router_settings", "model_group_alias"), ("litellm_settings", "model_alias_map")):
        data = config.section(section)
        if data is None or key not in data:
            continue
        table = data[key]
        if not isinstance(table, YMap):
            out.append(
                (
                    "",
                    None,
                    False,
                    data.value_loc(key),
                    f"{section}.{key} must be a mapping, not {type_name(table)}",
                )
            )
            continue
        for alias, value in table.items():
            loc = table.key_loc(alias)
            hidden = False
            if isinstance(value, YMap):
                hidden = value.get("hidden") in (True, "true", "True")
                value = value.get("model")
            out.append((alias, value, hidden, loc, f"{section}.{key}"))
    return out


def _aliases(
    config: LiteLLMConfig,
    by_name: dict[str, ModelMapping],
    wildcards: list[tuple[str, Target]],
    resolver: Resolver,
) -> tuple[list[ModelMapping], list[Finding]]:
    models: list[ModelMapping] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for alias, target, hidden, loc, source in _alias_entries(config):
        if not alias:
            findings.append(_f("LGM149", source, loc))
            continue
        if alias in seen:
            continue  # router_settings comes first and wins
        seen.add(alias)
        if not isinstance(target, str) or not target.strip():
            findings.append(_f("LGM149", f"alias `{alias}` in {source} has no target model name", loc))
            models.append(_unserved_alias(alias, None, hidden, loc))
            continue
        base = by_name.get(target)
        if base is None:
            base = _via_wildcard(target, wildcards, resolver)
        if base is None:
            findings.append(
                _f(
                    "LGM124",
                    f"alias `{alias}` ({source}) points at `{target}`, which no model_name or wildcard route serves",
                    loc,
                )
            )
            models.append(_unserved_alias(alias, target, hidden, loc))
            continue
        findings.append(
            _f(
                "LGM123",
                f"alias `{alias}` -> `{target}`: clients must send `{base.gateway_model or target}`"
                + (" (hidden alias)" if hidden else ""),
                loc,
            )
        )
        models.append(
            base.model_copy(
                update={
                    "name": alias,
                    "alias_of": target,
                    "hidden": hidden,
                    "status": worst(base.status, Status.approximate),
                    "file": loc.file,
                    "line": loc.line,
                }
            )
        )
    return models, findings


def _unserved_alias(alias: str, target: str | None, hidden: bool, loc: Loc) -> ModelMapping:
    """An alias no model serves: listed in the map, unmapped, so clients that send it are found."""
    return ModelMapping(
        name=alias,
        gateway_model=None,
        provider=None,
        litellm_model="",
        status=Status.manual,
        alias_of=target,
        hidden=hidden,
        file=loc.file,
        line=loc.line,
    )


def _via_wildcard(name: str, wildcards: list[tuple[str, Target]], resolver: Resolver) -> ModelMapping | None:
    """A name served by a wildcard route (`*`, `openai/*`, `claude-*`): resolve it like LiteLLM would."""
    for pattern, t in wildcards:
        if not fnmatch.fnmatchcase(name, pattern):
            continue
        dep = t.deployment
        model_pattern = dep.model
        head = model_pattern.partition("/")[0]
        if pattern.endswith("/*") and name.startswith(pattern[:-1]):
            upstream = name[len(pattern) - 1 :]
        else:
            upstream = name
        if model_pattern == "*":
            # any model, any provider: LiteLLM infers the provider from the name; the gateway's bare id does the same
            anywhere = resolver.catalog.resolve(None, upstream)
            if anywhere is not None:
                return ModelMapping(
                    name=name,
                    gateway_model=anywhere.id,
                    provider=None,
                    litellm_model=upstream,
                    status=Status.approximate,
                    catalog_id=anywhere.id,
                    upstream_model=upstream,
                    file=dep.file,
                    line=dep.loc.line,
                )
            continue
        if t.custom or t.provider is None:
            continue
        rule = resolver.rules.providers.get(head)
        if rule is None:
            continue
        found = None
        for gp in rule.gateway:
            found = resolver.catalog.resolve(gp, upstream)
            if found:
                return ModelMapping(
                    name=name,
                    gateway_model=resolver.model_id(found, gp),
                    provider=gp,
                    litellm_model=f"{head}/{upstream}",
                    status=Status.approximate,
                    catalog_id=found.id,
                    upstream_model=upstream,
                    file=dep.file,
                    line=dep.loc.line,
                )
    return None


# --------------------------------------------------------------------------------------------------
# fallbacks


def _fallback_section(config: LiteLLMConfig, kind: str) -> tuple[str, YMap] | None:
    rs, ls = config.router_settings, config.litellm_settings
    if rs is not None and kind in rs:
        return "router_settings", rs
    if ls is not None and kind in ls:
        return "litellm_settings", ls
    return None


def _fallbacks(
    config: LiteLLMConfig, by_name: dict[str, ModelMapping], catalog: Catalog
) -> tuple[list[FallbackChain], list[Finding]]:
    chains: list[FallbackChain] = []
    findings: list[Finding] = []
    ls = config.litellm_settings
    for kind in FALLBACK_KINDS:
        found = _fallback_section(config, kind)
        if found is None:
            continue
        section, data = found
        if section == "router_settings" and ls is not None and kind in ls:
            findings.append(
                _f(
                    "LGM138",
                    f"litellm_settings.{kind} is overridden by router_settings.{kind}",
                    ls.key_loc(kind),
                )
            )
        value = data[kind]
        loc = data.key_loc(kind)
        if value is None:
            continue
        if kind == "default_fallbacks":
            names = [label(v) for v in value] if isinstance(value, list) else [label(value)]
            chains.append(FallbackChain(kind=kind, model="*", fallbacks=names))
            findings.append(
                _f("LGM113", f"{section}.{kind}: every model falls back to {_chain(names, by_name)}", loc)
            )
            continue
        if not isinstance(value, YList):
            findings.append(
                _f(
                    "LGM149",
                    f"{section}.{kind} must be a list of {{model: [fallbacks]}}, not {type_name(value)}",
                    loc,
                )
            )
            continue
        for i, item in enumerate(value):
            iloc = value.item_loc(i)
            if not isinstance(item, YMap):
                findings.append(
                    _f(
                        "LGM149",
                        f"{section}.{kind}[{i}] must be a mapping {{model: [fallbacks]}}, not {type_name(item)}",
                        iloc,
                    )
                )
                continue
            for model, fbs in item.items():
                names = (
                    [label(v) for v in fbs]
                    if isinstance(fbs, list)
                    else [label(fbs)]
                    if fbs is not None
                    else []
                )
                chains.append(FallbackChain(kind=kind, model=model, fallbacks=names))
                msg = f"{section}.{kind}: `{model}` -> {_chain(names, by_name)}"
                same = _same_catalog_model(model, names, by_name)
                if same:
                    msg += f"; the chain stays within catalog model `{same}`: the bare id `{same}` gives the gateway's cross-provider failover"
                else:
                    msg += "; the gateway does not fall back across models: implement it in client code"
                findings.append(_f("LGM113", msg, item.key_loc(model)))
    return chains, findings


def _chain(names: list[str], by_name: dict[str, ModelMapping]) -> str:
    parts = []
    for n in names:
        m = by_name.get(n)
        parts.append(f"`{n}` ({m.gateway_model})" if m and m.gateway_model else f"`{n}`")
    return " -> ".join(parts) if parts else "(nothing)"


def _same_catalog_model(model: str, names: list[str], by_name: dict[str, ModelMapping]) -> str | None:
    ids = {by_name[n].catalog_id if n in by_name else None for n in [model, *names]}
    if len(ids) == 1:
        only = next(iter(ids))
        return only
    return None


# --------------------------------------------------------------------------------------------------
# provider keys


def _provider_keys(groups: dict[str, list[Target]], catalog: Catalog) -> list[ProviderKey]:
    keys: dict[tuple[Any, ...], ProviderKey] = {}
    listed: set[tuple[tuple[Any, ...], str]] = set()  # (key, model): a list lookup per model was quadratic
    for name, targets in groups.items():
        for t in targets:
            spec: KeySpec | None = t.key
            if spec is None or not t.served:
                continue  # an unresolved or unservable deployment keeps its own finding; it needs no key
            ident = spec.identity()
            pk = keys.get(ident)
            if pk is None:
                info = catalog.provider(spec.provider)
                pk = ProviderKey(
                    provider=spec.provider,
                    name=spec.name,
                    env_var=spec.env_var,
                    gateway_env_var=info.env_var if info and spec.provider != "custom" else None,
                    base_url=spec.base_url,
                    options=dict(spec.options),
                )
                keys[ident] = pk
            if (ident, name) not in listed:
                listed.add((ident, name))
                pk.models.append(name)
    return list(keys.values())


def _key_users(keys: list[ProviderKey]) -> str:
    """Which models use each key; said once when every key serves the same models (a load-balanced
    group across regions), instead of repeating the same list per key."""
    lists = [", ".join(f"`{n}`" for n in k.models) for k in keys]
    if len(set(lists)) == 1:
        return f"each used by {lists[0]}"
    return "used by " + "; ".join(lists)
