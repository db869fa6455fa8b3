"""What the server will do with a plan, said once at start-up: providers, keys (names only), findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from llmgw_migrate.config.catalog import Catalog
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.findings import Finding, make
from llmgw_migrate.gateway.keys import KeyRing
from llmgw_migrate.gateway.providers import adapter_for


def safe_url(url: str | None) -> str:
    """A URL without user:password (base URLs may carry credentials)."""
    if not url:
        return "-"
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


@dataclass
class ProviderLine:
    provider: str
    keys: int
    sources: list[str]
    base_url: str
    supported: bool
    custom: bool = False


@dataclass
class StartupReport:
    providers: list[ProviderLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if not self.providers:
            out.append("  no provider keys found: set LLM_<PROVIDER>_API_KEY (e.g. LLM_OPENAI_API_KEY)")
        for p in self.providers:
            kind = "custom provider" if p.custom else "provider"
            keys = f"{p.keys} key{'s' if p.keys != 1 else ''}" if p.keys else "no key"
            src = f" from {', '.join(p.sources)}" if p.sources else ""
            note = "" if p.supported else "  [not supported by the embedded gateway]"
            out.append(f"  {kind} {p.provider}: {keys}{src} -> {p.base_url}{note}")
        return out


def _plan_providers(plan: Plan | None) -> dict[str, bool]:
    """Providers the plan routes to -> whether custom."""
    out: dict[str, bool] = {}
    if plan is None:
        return out
    for m in plan.models:
        if m.provider and m.gateway_model:
            out.setdefault(m.provider, m.custom)
    for pk in plan.provider_keys:
        if pk.provider == "custom" and pk.name:
            out.setdefault(pk.name, True)
        elif pk.provider != "custom":
            out.setdefault(pk.provider, False)
    return out


def startup_report(catalog: Catalog, keys: KeyRing, plan: Plan | None) -> StartupReport:
    report = StartupReport()
    for pid, provider_access in sorted(keys.providers.items()):
        if provider_access.has_key:
            supported = adapter_for(pid) is not None
            report.providers.append(
                ProviderLine(
                    pid,
                    len(provider_access.keys),
                    provider_access.key_sources,
                    safe_url(provider_access.base_url),
                    supported,
                )
            )
    for name, custom_access in sorted(keys.custom.items()):
        report.providers.append(
            ProviderLine(
                name,
                len(custom_access.keys),
                custom_access.key_sources,
                safe_url(custom_access.base_url),
                True,
                custom=True,
            )
        )
    source = plan.source if plan is not None else None
    for provider, custom in sorted(_plan_providers(plan).items()):
        if custom:
            custom_found = keys.custom.get(provider)
            if custom_found is not None and not custom_found.base_url:
                report.findings.append(
                    make("LGM403", f"custom provider '{provider}' has no base URL", file=source)
                )
            continue
        info = catalog.provider(provider)
        access = keys.get(provider)
        if info is None or access is None:
            continue
        if adapter_for(provider) is None:
            report.findings.append(
                make(
                    "LGM402",
                    f"provider '{provider}' is not supported by the embedded gateway; its models answer 400",
                    file=source,
                )
            )
        elif not access.has_key:
            names = [n for n in [info.env_var] if n]
            names += [
                pk.env_var
                for pk in (plan.provider_keys if plan else [])
                if pk.provider == provider and pk.env_var
            ]
            report.findings.append(
                make(
                    "LGM401",
                    f"provider '{provider}' has no key: set "
                    + (" or ".join(dict.fromkeys(names)) or "its API key"),
                    file=source,
                )
            )
    return report
