"""Findings for everything in a LiteLLM config that is not a model mapping: settings, secrets, unknown keys.

Secret values are never put into a message: messages name keys and locations only.
"""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from llmgw_migrate.config.read import (
    Deployment,
    LiteLLMConfig,
    Loc,
    YList,
    YMap,
    env_ref,
    is_placeholder,
    label,
    type_name,
)
from llmgw_migrate.config.resolve.rules import param_categories, settings_rules
from llmgw_migrate.config.resolve.templates import template_var
from llmgw_migrate.findings import Finding, Location, Status, make, registry

# Keys whose string values are secrets (unless they are os.environ/ references).
_SECRET_KEY = re.compile(
    r"(^|_)(api_?key|secret|secret_key|password|passwd|pwd|token|access_key|access_key_id|credentials?|"
    r"private_key|master_key|auth_token|client_secret|authorization|signing_key|salt_key|bearer)($|_)",
    re.IGNORECASE,
)
_NOT_SECRET_SUFFIX = re.compile(
    r"_(type|name|names|file_name|path|header|header_name|env|limit|duration|ttl|provider|id_env|url_env|values)$",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^/\s@]+)@")
_QUERY_PARAM = re.compile(r"(?:^|&)([^=&#\s]+)=([^&#\s]+)")
# query parameters that carry a key in URLs people paste as api_base (Gemini `key`, Azure SAS `sig`,
# Azure Functions `code`, API Management `subscription-key`), besides every secret-ish name
_QUERY_SECRET_NAMES = frozenset({"key", "sig", "code", "subscription_key"})


@functools.lru_cache(maxsize=4096)  # keys repeat across thousands of entries
def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET_SUFFIX.search(key)


def _query_secrets(value: str) -> list[str]:
    """Values of secret-ish query parameters in a URL (`...?api-key=...`)."""
    if "://" not in value or "?" not in value:
        return []
    query = value.split("?", 1)[1].split("#", 1)[0]
    out = []
    for name, val in _QUERY_PARAM.findall(query):
        n = name.lower().replace("-", "_")
        if n in _QUERY_SECRET_NAMES or is_secret_key(n):
            out.append(val)
    return out


def _url_secrets(value: str) -> list[str]:
    """The secrets a URL carries: a user:password@ password and secret-ish query parameter values."""
    m = _URL_PASSWORD.search(value)
    return ([m.group(1)] if m else []) + _query_secrets(value)


def is_inline_secret(key: str, value: Any) -> bool:
    """A literal secret: a non-reference string under a secret-ish key, or a URL with a password or key."""
    if not isinstance(value, str):
        return False
    if "://" not in value and not is_secret_key(key):  # the common case, decided before the costlier tests
        return False
    if not value.strip() or env_ref(value) or is_placeholder(value):
        return False
    if template_var(value):  # `${VAR}`: a variable a deploy step fills in, not a value
        return False
    if is_secret_key(key):
        return True
    return bool(_url_secrets(value))


def iter_secrets(node: Any, path: str = "", seen: set[int] | None = None) -> Iterator[tuple[str, Loc, str]]:
    """(dotted path, location, value) of every inline secret under node.

    Each mapping and list is visited once: an aliased one (`*anchor`) is reported at its first path, so
    nested aliases cost their written size, not their expanded size.
    """
    if seen is None:
        seen = set()
    if id(node) in seen:
        return
    seen.add(id(node))
    # paths are built only where they are used: most scalars are neither containers nor secrets
    if isinstance(node, YMap):
        for k, v in node.items():
            if isinstance(v, (YMap, YList)):
                yield from iter_secrets(v, f"{path}.{k}" if path else k, seen)
            elif is_inline_secret(k, v):
                for part in _secret_parts(v):
                    yield (f"{path}.{k}" if path else k), node.value_loc(k), part
    elif isinstance(node, YList):
        for i, v in enumerate(node):
            if isinstance(v, (YMap, YList)):
                yield from iter_secrets(v, f"{path}[{i}]", seen)
            elif isinstance(v, str) and "://" in v and not env_ref(v):
                for part in _url_secrets(v):
                    yield f"{path}[{i}]", node.item_loc(i), part


def _secret_parts(value: str) -> list[str]:
    """The secrets in a value: a URL's password and key parameters, or the whole value."""
    return _url_secrets(value) or [value.strip()]


def redact(text: str, secrets: set[str]) -> str:
    """Defense in depth: whatever path a secret value took into a message, it leaves as ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _title(code: str) -> str:
    info = registry().get(code)
    if info is None:
        return code
    title = info.title
    first_word = title.split(" ", 1)[0]
    return title if any(c.isupper() for c in first_word[1:]) else title[0].lower() + title[1:]


def _f(code: str, message: str, loc: Loc, **kw: Any) -> Finding:
    return make(code, message, file=loc.file, line=loc.line, column=loc.column, **kw)


def secret_findings(
    config: LiteLLMConfig, secrets: list[tuple[str, Loc, str]] | None = None
) -> list[Finding]:
    out = []
    seen = set()
    for path, loc, _value in secrets if secrets is not None else iter_secrets(config.root):
        if path not in seen:  # a URL may carry several secrets: one finding for it
            seen.add(path)
            out.append(_f("LGM101", f"inline secret at `{path}` (value not shown)", loc))
    return out


# --------------------------------------------------------------------------------------------------
# sections


def section_findings(config: LiteLLMConfig) -> list[Finding]:
    rules = settings_rules()
    out: list[Finding] = []
    root = config.root
    top = rules["top_level"]
    for key in root:
        loc = root.key_loc(key)
        spec = top.get(key)
        if spec is None:
            out.append(
                _f(
                    "LGM125",
                    f"unknown top-level key `{key}`: not a LiteLLM proxy section; not carried over",
                    loc,
                )
            )
        elif not spec.get("handled"):
            note = spec.get("note") or f"`{key}` has no gateway equivalent"
            out.append(_f(spec["code"], f"`{key}`: {note}", loc))
    for section in ("litellm_settings", "router_settings", "general_settings"):
        data = config.section(section)
        if data is None:
            continue
        table = rules[section]
        for key in data:
            spec = table.get(key)
            loc = data.key_loc(key)
            if spec is None:
                out.append(_f("LGM125", f"unknown key `{section}.{key}`: not carried over", loc))
            elif not spec.get("handled"):
                note = spec.get("note") or _title(spec["code"])
                out.append(_f(spec["code"], f"`{section}.{key}`: {note}", loc))
    out.extend(_callbacks(config))
    out.extend(_cache(config))
    out.extend(_guardrails(config))
    out.extend(_environment(config))
    for loc, key, replaced in config.include_overrides:
        out.append(
            _f(
                "LGM151",
                f"`{key}` from this included file replaces `{key}` of {replaced} (LiteLLM's include rule: lists are appended, other keys overwritten)",
                loc,
            )
        )
    for loc, key, first in config.duplicate_keys:
        out.append(
            _f(
                "LGM125",
                f"duplicate key `{key}` (first at line {first.line}): LiteLLM silently uses this last one; the earlier value is not carried over",
                loc,
            )
        )
    gs = config.general_settings
    if gs is not None and gs.get("store_model_in_db") in (True, "true", "True"):
        out.append(
            _f(
                "LGM131",
                "general_settings.store_model_in_db is on: models added in the admin UI are not in this file",
                gs.key_loc("store_model_in_db"),
            )
        )
    return out


def _callbacks(config: LiteLLMConfig) -> list[Finding]:
    out: list[Finding] = []
    ls = config.litellm_settings
    if ls is None:
        return out
    for key in ("callbacks", "success_callback", "failure_callback", "service_callback", "input_callback"):
        if key not in ls:
            continue
        value = ls[key]
        names = [label(v) for v in value] if isinstance(value, list) else [label(value)] if value else []
        listed = ", ".join(names) if names else "none"
        out.append(_f("LGM115", f"litellm_settings.{key}: {listed}", ls.key_loc(key)))
    return out


def _cache(config: LiteLLMConfig) -> list[Finding]:
    out: list[Finding] = []
    ls = config.litellm_settings
    rs = config.router_settings
    if rs is not None and "cache_responses" in rs:
        out.append(
            _f(
                "LGM114",
                "router_settings.cache_responses: enable caching in the gateway project instead",
                rs.key_loc("cache_responses"),
            )
        )
    if ls is None:
        return out
    cache = ls.get("cache")
    params = ls.get("cache_params")
    if "enable_caching_on_provider_specific_optional_params" in ls:
        out.append(
            _f(
                "LGM114",
                "litellm_settings.enable_caching_on_provider_specific_optional_params: the gateway's cache key is fixed",
                ls.key_loc("enable_caching_on_provider_specific_optional_params"),
            )
        )
    if cache is None and params is None:
        return out
    enabled = cache in (True, "true", "True")
    where = ls.key_loc("cache") if "cache" in ls else ls.key_loc("cache_params")
    if not enabled:
        if params is not None:
            out.append(
                _f(
                    "LGM114",
                    "litellm_settings.cache_params is set but caching is off: nothing to carry over",
                    ls.key_loc("cache_params"),
                    status=Status.exact,
                )
            )
        else:
            out.append(
                _f(
                    "LGM114",
                    "litellm_settings.cache is off: nothing to carry over",
                    where,
                    status=Status.exact,
                )
            )
        return out
    detail = []
    if isinstance(params, YMap):
        ctype = params.get("type")
        if isinstance(ctype, str):
            detail.append(f"type {ctype}")
        ttl = params.get("ttl")
        if isinstance(ttl, (int, float)) and not isinstance(ttl, bool):
            ttl_s = int(ttl)
            bounded = min(max(ttl_s, 10), 365 * 24 * 3600)
            detail.append(
                f"ttl {ttl_s}s"
                + (f" (gateway range 10 s to 1 year: use {bounded}s)" if bounded != ttl_s else "")
            )
        for k in params:
            if k not in (
                "type",
                "ttl",
                "host",
                "port",
                "password",
                "namespace",
                "supported_call_types",
                "disk_cache_dir",
                "redis_url",
                "s3_bucket_name",
                "s3_region_name",
            ):
                detail.append(f"{k} not carried over")
    msg = (
        "litellm_settings.cache is on"
        + (f" ({', '.join(detail)})" if detail else "")
        + ": the gateway caches per project (set cachingEnabled and the TTL in project settings)"
    )
    out.append(_f("LGM114", msg, where))
    return out


def _guardrails(config: LiteLLMConfig) -> list[Finding]:
    out: list[Finding] = []
    guardrails = config.root.get("guardrails")
    if isinstance(guardrails, YList):
        for i, g in enumerate(guardrails):
            loc = guardrails.item_loc(i)
            if isinstance(g, YMap):
                name = g.get("guardrail_name")
                params = g.get("litellm_params")
                kind = params.get("guardrail") if isinstance(params, YMap) else None
                mode = params.get("mode") if isinstance(params, YMap) else None
                label = f"`{name}`" if isinstance(name, str) else f"guardrails[{i}]"
                extra = ", ".join(
                    f"{k}={v}" for k, v in (("type", kind), ("mode", mode)) if isinstance(v, str)
                )
                out.append(
                    _f(
                        "LGM116",
                        f"guardrail {label}"
                        + (f" ({extra})" if extra else "")
                        + " is not run by the gateway",
                        loc,
                    )
                )
            else:
                out.append(_f("LGM149", f"guardrails[{i}] should be a mapping, not {type_name(g)}", loc))
    return out


def _environment(config: LiteLLMConfig) -> list[Finding]:
    env = config.root.get("environment_variables")
    if not isinstance(env, YMap) or not env:
        return []
    names = ", ".join(env.keys())
    return [
        _f(
            "LGM133",
            f"environment_variables sets {names} inside the proxy; the gateway does not read them",
            config.root.key_loc("environment_variables"),
        )
    ]


# --------------------------------------------------------------------------------------------------
# per-deployment params


def _keys_f(code: str, message: str, where: YMap, keys: list[str]) -> Finding:
    """A finding about several keys of one mapping: at the first key, with every key's line in
    `locations` (a roll-up then lists each field's own line, not only the first one's)."""
    f = _f(code, message, where.key_loc(keys[0]))
    if len(keys) < 2:
        return f
    return f.replace(locations=[Location(*where.key_loc(k)) for k in keys])


def deployment_findings(dep: Deployment, dropped: dict[str, str]) -> list[Finding]:
    cats = param_categories()
    out: list[Finding] = []
    p = dep.params
    name = dep.model_name
    groups: dict[str, list[str]] = {}
    unknown: list[str] = []
    for key in p:
        if key == "model":
            continue
        cat = cats.get(key) or ("pricing" if "cost_per_" in key else None)
        if cat is None:
            unknown.append(key)
            continue
        groups.setdefault(cat, []).append(key)
    if unknown:  # one cause per deployment: every unknown key of it, at the first one's line
        listed = ", ".join(f"litellm_params.{k}" for k in unknown)
        verb = "is" if len(unknown) == 1 else "are"
        out.append(_keys_f("LGM126", f"`{name}`: {listed} {verb} not carried over", p, unknown))
    if "limits" in groups:
        out.append(
            _keys_f(
                "LGM111",
                f"`{name}`: {', '.join(groups['limits'])} set on the deployment",
                p,
                groups["limits"],
            )
        )
    if "budgets" in groups:
        out.append(
            _keys_f(
                "LGM112",
                f"`{name}`: {', '.join(groups['budgets'])} set on the deployment",
                p,
                groups["budgets"],
            )
        )
    if "timeouts" in groups:
        out.append(_keys_f("LGM128", f"`{name}`: {', '.join(groups['timeouts'])}", p, groups["timeouts"]))
    if "routing" in groups:
        out.append(
            _keys_f(
                "LGM146",
                f"`{name}`: {', '.join(groups['routing'])} steer LiteLLM's router",
                p,
                groups["routing"],
            )
        )
    if "tags" in groups:
        out.append(_keys_f("LGM142", f"`{name}`: {', '.join(groups['tags'])}", p, groups["tags"]))
    if "pricing" in groups:
        out.append(_keys_f("LGM134", f"`{name}`: {', '.join(groups['pricing'])}", p, groups["pricing"]))
    if "guardrails" in groups:
        out.append(
            _keys_f(
                "LGM116",
                f"`{name}`: litellm_params.{', litellm_params.'.join(groups['guardrails'])} (model-level guardrails) are not run by the gateway",
                p,
                groups["guardrails"],
            )
        )
    if "prompts" in groups:
        out.append(
            _keys_f(
                "LGM127",
                f"`{name}`: {', '.join(groups['prompts'])}: LiteLLM prompt management fills the prompt inside the proxy; the gateway does not",
                p,
                groups["prompts"],
            )
        )
    if "mock" in groups:
        out.append(_keys_f("LGM141", f"`{name}`: {', '.join(groups['mock'])}", p, groups["mock"]))
    if "proxy_only" in groups:
        out.append(
            _keys_f(
                "LGM117",
                f"`{name}`: {', '.join(groups['proxy_only'])} only configure the LiteLLM proxy",
                p,
                groups["proxy_only"],
            )
        )
    if "completion" in groups:
        keys = groups["completion"]
        kept = [k for k in keys if k not in dropped]
        gone = [k for k in keys if k in dropped]
        if kept:
            out.append(
                _keys_f(
                    "LGM118",
                    f"`{name}`: {', '.join(kept)} set in litellm_params must be sent by clients",
                    p,
                    kept,
                )
            )
        for k in gone:
            out.append(
                _f(
                    "LGM119",
                    f"`{name}`: litellm_params.{k} is dropped by the gateway: {dropped[k]}",
                    p.key_loc(k),
                )
            )
    # legacy rpm/tpm beside litellm_params, and anything else unknown at entry level
    legacy = [k for k in dep.entry if k in ("rpm", "tpm", "max_parallel_requests")]
    if legacy:
        out.append(
            _keys_f(
                "LGM111",
                f"`{name}`: {', '.join(legacy)} (legacy form beside litellm_params)",
                dep.entry,
                legacy,
            )
        )
    for k in dep.entry:
        if k not in ("model_name", "litellm_params", "model_info", "rpm", "tpm", "max_parallel_requests"):
            out.append(
                _f(
                    "LGM125",
                    f"`{name}`: unknown model_list entry key `{k}`: not carried over",
                    dep.entry.key_loc(k),
                )
            )
    info = dep.model_info
    if info is not None:
        handled = set(settings_rules()["model_info"]["handled"])
        if "access_groups" in info:
            out.append(_f("LGM142", f"`{name}`: model_info.access_groups", info.key_loc("access_groups")))
        rest = [k for k in info if k not in handled]
        prices = [k for k in rest if "cost_per_" in k]  # LiteLLM's cost tracking reads prices here too
        if prices:
            out.append(
                _keys_f("LGM134", f"`{name}`: model_info.{', model_info.'.join(prices)}", info, prices)
            )
            rest = [k for k in rest if k not in prices]
        if rest:
            out.append(_keys_f("LGM143", f"`{name}`: model_info.{', model_info.'.join(rest)}", info, rest))
    return out


def credential_map(config: LiteLLMConfig) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """credential_list: name -> credential_values."""
    out: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    creds = config.root.get("credential_list")
    if not isinstance(creds, YList):
        return out, findings
    for i, c in enumerate(creds):
        loc = creds.item_loc(i)
        if not isinstance(c, YMap) or not isinstance(c.get("credential_name"), str):
            findings.append(
                _f("LGM149", f"credential_list[{i}] needs credential_name and credential_values", loc)
            )
            continue
        values = c.get("credential_values")
        if not isinstance(values, YMap):
            findings.append(
                _f(
                    "LGM149",
                    f"credential_list[{i}] ({c['credential_name']}) has no credential_values mapping",
                    loc,
                )
            )
            continue
        out[c["credential_name"]] = dict(values)
    return out, findings
