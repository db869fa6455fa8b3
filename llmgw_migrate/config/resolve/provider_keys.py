"""Provider keys: the key a deployment needs and its provider options (Azure, Bedrock, Vertex, base URL)."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import re
from typing import Any

from llmgw_migrate.config.read import env_ref, is_placeholder
from llmgw_migrate.config.resolve.rules import ProviderRule
from llmgw_migrate.config.resolve.state import ResolverState
from llmgw_migrate.config.resolve.target import KeySpec, Target
from llmgw_migrate.config.resolve.templates import template_var
from llmgw_migrate.config.resolve.urls import host_matches, host_of, normalize_base_url


class ProviderKeys(ResolverState):
    def _key(
        self,
        t: Target,
        rule: ProviderRule,
        provider: str,
        params: dict[str, Any],
        name: str | None = None,
        base_url: str | None = None,
    ) -> KeySpec:
        api_key = params.get("api_key")
        key = KeySpec(provider=provider, name=name, base_url=base_url)
        ref = env_ref(api_key) or template_var(api_key)  # `${VAR}` is filled from VAR before LiteLLM runs
        if ref:
            key.env_var = ref
        elif is_placeholder(api_key):
            pass  # a server that needs no key (api_key: dummy): nothing to carry over
        elif isinstance(api_key, str) and api_key.strip():
            key.inline_secret = True
        elif api_key is None:
            key.env_var = rule.env
        t.key = key
        return key

    def _provider_options(self, t: Target, rule: ProviderRule, gp: str, params: dict[str, Any]) -> None:
        dep = t.deployment
        key = t.key
        if key is None:
            return
        p = dep.params
        if gp == "azure":
            azure_options(key, params)
            ad = [
                k
                for k in p
                if k
                in (
                    "azure_ad_token",
                    "azure_ad_token_provider",
                    "tenant_id",
                    "client_id",
                    "client_secret",
                    "azure_username",
                    "azure_password",
                )
            ]
            if ad:
                t.finding(
                    "LGM137",
                    f"`{dep.model_name}` authenticates with Azure AD ({', '.join(ad)}); the gateway needs an API key",
                    p.key_loc(ad[0]),
                )
        elif gp == "aws-bedrock" or gp == "aws-mantle":
            region = params.get("aws_region_name")
            if isinstance(region, str) and region.strip():
                key.options["aws_bedrock_region"] = region.strip()
            elif t.upstream:
                m = re.match(r"^(us|eu|apac|au|jp|global)\.", t.upstream)
                if m:
                    key.options["aws_bedrock_region"] = m.group(1)
            if params.get("api_key") is None:
                iam = [k for k in p if k.startswith("aws_") and k not in ("aws_region_name",)]
                how = f"IAM ({', '.join(iam)})" if iam else "the default AWS credential chain"
                t.finding(
                    "LGM109",
                    f"`{dep.model_name}` reaches Bedrock with {how}; the gateway needs a Bedrock API key",
                    p.key_loc(iam[0]) if iam else dep.model_loc,
                )
                key.env_var = None
        elif gp in ("google-vertex", "vertex-anthropic", "vertex-openai"):
            project = params.get("vertex_project") or params.get("vertex_ai_project")
            location = params.get("vertex_location") or params.get("vertex_ai_location")
            if isinstance(project, str) and project.strip():
                key.options["google_vertex_project_id"] = project.strip()
            if isinstance(location, str) and location.strip():
                key.options["google_vertex_region"] = location.strip()
            creds = [k for k in p if k in ("vertex_credentials", "vertex_ai_credentials")]
            how = (
                "a service-account credential (vertex_credentials)"
                if creds
                else "application default credentials"
            )
            t.finding(
                "LGM110",
                f"`{dep.model_name}` reaches Vertex AI with {how}; add a {gp} key with its project id",
                p.key_loc(creds[0]) if creds else dep.model_loc,
            )
            key.env_var = None
        elif gp == "azure-ai-foundry":
            azure_options(key, params)
        else:
            api_base = params.get("api_base") or params.get("base_url")
            if isinstance(api_base, str) and api_base.strip() and not host_matches(api_base, rule.api_hosts):
                key.base_url = normalize_base_url(api_base.strip())
        org = params.get("organization")
        if isinstance(org, list) and len(org) > 1:
            t.finding(
                "LGM130",
                f"`{dep.model_name}` lists {len(org)} OpenAI organizations (LiteLLM makes one deployment per organization); gateway keys carry none: add one project key per organization",
                p.key_loc("organization"),
            )
        elif org is not None:
            t.finding(
                "LGM130",
                f"`{dep.model_name}` sets an OpenAI organization; gateway keys do not carry one",
                p.key_loc("organization"),
            )


def azure_options(key: KeySpec, params: dict[str, Any]) -> None:
    """An Azure (or Azure AI Foundry) key's resource, or its base URL when the host is not a resource's,
    and its API version."""
    api_base = params.get("api_base")
    if isinstance(api_base, str) and api_base.strip():
        resource = _azure_resource(api_base)
        if resource:
            key.options["azure_resource"] = resource
        else:
            key.base_url = normalize_base_url(api_base.strip())
    version = params.get("api_version")
    if version is not None and not isinstance(version, (dict, list)):
        key.options["azure_api_version"] = str(version)


def _azure_resource(url: str) -> str | None:
    host = host_of(url)
    if not host:
        return None
    m = re.match(
        r"^([a-z0-9-]+)\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$", host
    )
    return m.group(1) if m else None
