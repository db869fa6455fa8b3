"""The migration plan: the one artifact `config` produces and `code`, `gateway` and `verify` read."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from llmgw_migrate.errors import UserError, read_input_text
from llmgw_migrate.findings import Finding, Status

SCHEMA_VERSION: Literal[1] = 1


class Target(str, Enum):
    managed = "managed"
    self_hosted = "self-hosted"


class ModelMapping(BaseModel):
    name: str = Field(description="Client-facing model name (LiteLLM model_name or alias)")
    gateway_model: str | None = Field(
        description="The model id clients must send to the gateway; null when it has no mapping"
    )
    provider: str | None = Field(description="Gateway provider id, or the custom provider's name")
    litellm_model: str = Field(description="litellm_params.model of the (first) deployment")
    deployments: int = Field(default=1, description="How many LiteLLM deployments share this name")
    status: Status
    catalog_id: str | None = Field(default=None, description="Bare gateway catalog id, when known")
    upstream_model: str | None = Field(default=None, description="The provider's own model name")
    mode: str = Field(default="chat", description="chat | embedding | completion | image_generation | ...")
    alias_of: str | None = Field(default=None, description="For aliases: the model_name it points at")
    hidden: bool = Field(default=False, description="Alias hidden from /models in LiteLLM")
    custom: bool = Field(default=False, description="Served by a custom (OpenAI-compatible) provider")
    file: str | None = None
    line: int | None = None


class ProviderKey(BaseModel):
    provider: str = Field(description="Gateway provider id ('custom' for custom providers)")
    name: str | None = Field(default=None, description="Custom provider name, or null")
    env_var: str | None = Field(
        default=None,
        description="Env var the secret comes from in the LiteLLM setup (a reference, never a value)",
    )
    gateway_env_var: str | None = Field(
        default=None, description="Self-hosted gateway variable for this key, e.g. LLM_OPENAI_API_KEY"
    )
    base_url: str | None = None
    options: dict[str, str] = Field(
        default_factory=dict,
        description="Provider-key options (azure_resource, azure_api_version, aws_bedrock_region, ...); "
        "values that come from env vars are kept as os.environ/VAR references",
    )
    models: list[str] = Field(default_factory=list, description="Client-facing names served by this key")


class FallbackChain(BaseModel):
    kind: str = Field(description="fallbacks | context_window_fallbacks | content_policy_fallbacks | default")
    model: str
    fallbacks: list[str]


class Plan(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    source: str
    target: Target = Target.managed
    as_of: str | None = Field(default=None, description="Date (YYYY-MM-DD) deprecations were compared with")
    routing: Literal["pinned", "smart"] = "pinned"
    models: list[ModelMapping] = Field(default_factory=list)
    provider_keys: list[ProviderKey] = Field(default_factory=list)
    fallbacks: list[FallbackChain] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    def model_map(self) -> dict[str, str]:
        """client-facing name -> gateway model id, for the names that have one."""
        return {m.name: m.gateway_model for m in self.models if m.gateway_model}

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


def plan_json_schema() -> dict[str, Any]:
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://llmgw-migrate.dev/schema/plan-v{SCHEMA_VERSION}.json"
    return schema


def load_plan(path: str | Path) -> Plan:
    """Read a plan.json, turning every problem into a one-line UserError."""
    p = Path(path)
    text = read_input_text(p, "plan", not_found="plan file not found")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if p.suffix.lower() in (".yaml", ".yml") or "model_list:" in text or "litellm_settings:" in text:
            raise UserError(
                "this is a LiteLLM config, not a plan: pass it as --config, or make a plan with "
                f"`llmgw-migrate config {p} -o plan.json`",
                p,
            ) from None
        raise UserError(f"invalid JSON: {exc.msg}", p, exc.lineno, exc.colno) from None
    except RecursionError:
        raise UserError("invalid JSON: nested too deeply", p, 1, 1) from None
    if isinstance(data, dict) and data.get("schema_version") not in (None, SCHEMA_VERSION):
        raise UserError(f"unsupported plan schema_version {data.get('schema_version')!r}", p, 1, 1)
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise UserError(f"not a migration plan: {where}: {err['msg']}", p, 1, 1) from None
