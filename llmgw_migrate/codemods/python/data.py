"""The declarative data of the Python rules (rules/rewrites/python/*.yaml), typed and cached."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypeVar

from llmgw_migrate.resources import rules_path


@functools.cache
def load(name: str) -> dict[str, Any]:
    from llmgw_migrate.findings import load_rules_yaml  # libyaml: a worker's start-up stays short

    data = load_rules_yaml(rules_path("rewrites", "python", f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"rules/rewrites/python/{name}.yaml is not a mapping")
    return data


@dataclass(frozen=True)
class ClientSpec:
    kind: str
    modules: tuple[str, ...]
    names: tuple[str, ...]
    url_kwargs: tuple[str, ...]
    model_kwargs: tuple[str, ...]
    with_v1: bool
    becomes: tuple[tuple[str, str], ...] = ()
    azure_only_kwargs: tuple[str, ...] = ()
    legacy_names: tuple[str, ...] = ()


@functools.cache
def client_specs() -> tuple[ClientSpec, ...]:
    out = []
    for c in load("clients")["clients"]:
        out.append(
            ClientSpec(
                kind=c["kind"],
                modules=tuple(c["modules"]),
                names=tuple(c["names"]),
                url_kwargs=tuple(c["url_kwargs"]),
                model_kwargs=tuple(c.get("model_kwargs") or ()),
                with_v1=bool(c["with_v1"]),
                becomes=tuple((c.get("becomes") or {}).items()),
                azure_only_kwargs=tuple(c.get("azure_only_kwargs") or ()),
                legacy_names=tuple(c.get("legacy_names") or ()),
            )
        )
    return tuple(out)


def client_spec_for(qualified: str) -> ClientSpec | None:
    """`openai.OpenAI`, `langchain_openai.chat_models.ChatOpenAI` -> its spec; None for anything else."""
    return _spec_for(qualified, client_specs())


_Spec = TypeVar("_Spec", "ClientSpec", "ProviderModelSpec")


def _spec_for(qualified: str, specs: tuple[_Spec, ...]) -> _Spec | None:
    """The spec naming this class from one of its modules (or a submodule of one)."""
    if "." not in qualified:
        return None
    module, _, name = qualified.rpartition(".")
    for spec in specs:
        if name in spec.names and any(module == m or module.startswith(m + ".") for m in spec.modules):
            return spec
    return None


@dataclass(frozen=True)
class ProviderModelSpec:
    modules: tuple[str, ...]
    names: tuple[str, ...]
    model_kwarg: str
    provider_kwarg: str


@functools.cache
def provider_model_specs() -> tuple[ProviderModelSpec, ...]:
    return tuple(
        ProviderModelSpec(
            modules=tuple(m["modules"]),
            names=tuple(m["names"]),
            model_kwarg=m["model_kwarg"],
            provider_kwarg=m["provider_kwarg"],
        )
        for m in load("clients").get("provider_models") or ()
    )


def provider_model_spec_for(qualified: str) -> ProviderModelSpec | None:
    """`pydantic_ai.models.openai.OpenAIChatModel` -> its spec; None for anything else."""
    return _spec_for(qualified, provider_model_specs())


@functools.cache
def request_methods() -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(m) for m in load("clients")["request_methods"])


@functools.cache
def legacy_methods() -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(m) for m in load("clients")["legacy_methods"])


@functools.cache
def llm_url_kwargs() -> frozenset[str]:
    return frozenset(load("clients")["llm_url_kwargs"])


@functools.cache
def url_globals() -> frozenset[str]:
    return frozenset(load("clients")["url_globals"])


@functools.cache
def key_globals() -> frozenset[str]:
    return frozenset(load("clients")["key_globals"])


@functools.cache
def litellm_functions() -> dict[str, str]:
    """litellm function name -> group (chat, embedding, legacy, other)."""
    out: dict[str, str] = {}
    for group, names in load("litellm_sdk")["functions"].items():
        for n in names:
            out[n] = group
    return out


@functools.cache
def litellm_only_kwargs() -> frozenset[str]:
    return frozenset(load("litellm_sdk")["litellm_only_kwargs"])
