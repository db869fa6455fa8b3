"""The gateway's model and provider catalog: bundled snapshot, optional live refresh, reverse index.

Lookup order: $LLMGW_MIGRATE_CATALOG (a file), then the user cache written by `catalog refresh`, then the
snapshot in rules/catalog.json. The live `/v1/models` shape and the snapshot shape are both accepted.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmgw_migrate.resources import rules_path

LIVE_MODELS_URL = "https://api.llmgateway.io/v1/models"


@dataclass(frozen=True)
class ProviderMapping:
    provider: str
    external_id: str
    input_price: str | None = None
    output_price: str | None = None
    cached_input_price: str | None = None
    request_price: str | None = None
    context_size: int | None = None
    max_output: int | None = None
    streaming: bool | None = None
    tools: bool | None = None
    vision: bool | None = None
    json_output: bool | None = None
    deprecated_at: str | None = None
    deactivated_at: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_kinds: tuple[str, ...] = ()
    parallel_tool_calls: bool | None = None
    reasoning: bool | None = None

    def deactivated(self, today: dt.date) -> bool:
        return _past(self.deactivated_at, today)

    def deprecated(self, today: dt.date) -> bool:
        return _past(self.deprecated_at, today)


@dataclass
class CatalogModel:
    id: str
    name: str
    family: str
    aliases: tuple[str, ...] = ()
    output: tuple[str, ...] = ()
    released_at: str | None = None
    deprecated_at: str | None = None
    deactivated_at: str | None = None
    providers: list[ProviderMapping] = field(default_factory=list)
    successor: str | None = None  # the catalog's own successor id, when it names one

    @property
    def is_embedding(self) -> bool:
        return "embedding" in self.output or any("embeddings" in p.endpoint_kinds for p in self.providers)

    def mapping(self, provider: str) -> ProviderMapping | None:
        for p in self.providers:
            if p.provider == provider:
                return p
        return None

    def live_mappings(self, today: dt.date) -> list[ProviderMapping]:
        return [p for p in self.providers if not p.deactivated(today)]

    def deactivated(self, today: dt.date) -> bool:
        return bool(self.providers) and not self.live_mappings(today)


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    name: str
    env_var: str | None
    env_optional: dict[str, str]
    default_base_url: str | None
    openai_compatible: bool | None
    serves: tuple[str, ...]
    # variables the provider needs besides its key, e.g. {"resource": "LLM_AZURE_AI_FOUNDRY_RESOURCE"}
    env_required: dict[str, str] = field(default_factory=dict)


def _past(date: str | None, today: dt.date) -> bool:
    if not date:
        return False
    try:
        return dt.date.fromisoformat(date[:10]) <= today
    except ValueError:
        return False


_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")
_BEDROCK_REGION = re.compile(r"^(us|eu|apac|au|jp|global|us-gov|ca|sa)\.")
_BEDROCK_VERSION = re.compile(r"-v\d+(:\d+)?$")
_BEDROCK_VENDORS = {"anthropic", "meta", "amazon", "mistral", "cohere", "ai21", "deepseek", "openai", "qwen"}


def name_variants(name: str) -> list[str]:
    """Spellings of one upstream model name, most specific first.

    Handles dated names (gpt-4o-2024-08-06), bedrock region prefixes (us.anthropic...), bedrock version
    suffixes (-v1:0), `-latest` and provider-style paths (meta-llama/Llama-3 -> Llama-3).
    """
    out: list[str] = []

    def add(v: str) -> None:
        if v and v not in out:
            out.append(v)

    add(name)
    base = _BEDROCK_REGION.sub("", name)
    add(base)
    for v in list(out):
        add(_BEDROCK_VERSION.sub("", v))
    for v in list(out):
        add(_DATE_SUFFIX.sub("", v))
        add(v.removesuffix("-latest"))
    for v in list(out):
        if "." in v and v.split(".", 1)[0] in _BEDROCK_VENDORS:
            add(v.split(".", 1)[1])
    for v in list(out):
        add(_DATE_SUFFIX.sub("", _BEDROCK_VERSION.sub("", v)))
    for v in list(out):
        if "/" in v:
            add(v.rsplit("/", 1)[1])
    return out


class Catalog:
    def __init__(self, data: dict[str, Any], origin: str) -> None:
        self.origin = origin
        self.providers: dict[str, ProviderInfo] = {}
        for p in data.get("providers", []):
            self.providers[p["id"]] = ProviderInfo(
                id=p["id"],
                name=p.get("name") or p["id"],
                env_var=p.get("env_var"),
                env_optional=dict(p.get("env_optional") or {}),
                env_required=dict(p.get("env_required") or {}),
                default_base_url=p.get("default_base_url"),
                openai_compatible=p.get("openai_compatible"),
                serves=tuple(p.get("serves") or ()),
            )
        self.models: dict[str, CatalogModel] = {}
        for m in data.get("models", data.get("data", [])):
            model = _parse_model(m)
            self.models[model.id] = model
        # (provider, external id lowercased) -> catalog ids; and external id alone -> catalog ids.
        self._by_external: dict[tuple[str, str], list[str]] = {}
        self._by_external_any: dict[str, list[str]] = {}
        for model in self.models.values():
            for p in model.providers:
                key = p.external_id.lower()
                self._by_external.setdefault((p.provider, key), []).append(model.id)
                self._by_external_any.setdefault(key, []).append(model.id)

    # lookups ---------------------------------------------------------------------------------------
    def get(self, model_id: str) -> CatalogModel | None:
        return self.models.get(model_id)

    def provider(self, provider_id: str) -> ProviderInfo | None:
        return self.providers.get(provider_id)

    def by_external_id(self, provider: str, external_id: str) -> CatalogModel | None:
        """Exact (provider, upstream name) -> catalog model, case-insensitive."""
        ids = self._by_external.get((provider, external_id.lower()))
        return self.models[ids[0]] if ids else None

    def resolve(self, provider: str | None, upstream: str) -> CatalogModel | None:
        """Map an upstream model name to a catalog model, trying the spellings of `name_variants`.

        With a provider, a mapping of that provider wins; then a catalog id of the same spelling
        (only if that model is served by the provider, or when provider is None).
        """
        variants = name_variants(upstream)
        if provider:
            for v in variants:
                found = self.by_external_id(provider, v)
                if found:
                    return found
            for v in variants:
                model = self.models.get(v) or self.models.get(v.lower())
                if model and model.mapping(provider):
                    return model
            return None
        for v in variants:
            model = self.models.get(v) or self.models.get(v.lower())
            if model:
                return model
        for v in variants:
            ids = self._by_external_any.get(v.lower())
            if ids:
                return self.models[ids[0]]
        return None

    def closest(self, name: str, n: int = 3, cutoff: float = 0.8) -> list[str]:
        """Model ids whose name (or a provider's name for it) is close to `name`: a likely typo, never
        a distant guess. Only those within 0.1 of the best match are kept."""
        candidates = list(self.models) + [p.external_id for m in self.models.values() for p in m.providers]
        query = name.rsplit("/", 1)[-1].lower()
        scored: dict[str, float] = {}
        for hit in difflib.get_close_matches(query, candidates, n=n * 3, cutoff=cutoff):
            model = self.models.get(hit) or self.resolve(None, hit)
            if model is None:
                continue
            ratio = difflib.SequenceMatcher(None, query, hit.lower()).ratio()
            scored[model.id] = max(scored.get(model.id, 0.0), ratio)
        if not scored:
            return []
        best = max(scored.values())
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
        return [mid for mid, r in ranked if r >= best - 0.1][:n]

    def successor(self, model: CatalogModel, today: dt.date, provider: str | None = None) -> str | None:
        """The closest still-live model of the same family, newest first among equally close ones.

        Closeness is the number of name words shared (claude-3-7-sonnet -> another `claude ... sonnet`,
        llama-3.1-8b-instruct -> another `llama ... instruct`), so a line's successor stays in that line.
        """
        own = self.models.get(model.successor or "")
        if own is not None and own.live_mappings(today):
            if not provider or any(
                p.provider == provider and not p.deprecated(today) for p in own.live_mappings(today)
            ):
                return own.id  # the catalog's own successor data wins over the family search
        words = _name_words(model.id)
        best: tuple[int, bool, str, str] | None = None
        for other in self.models.values():
            if other.id == model.id or other.family != model.family or not other.family:
                continue
            # never a smaller tier (o3 -> o3-mini, *-pro -> *-flash); a special-purpose variant (preview,
            # codex, audio) only when nothing closer is left
            added = _name_words(other.id) - words
            if added & _SMALLER_TIERS:
                continue
            general = not (added & _SPECIAL_PURPOSE)
            if other.is_embedding != model.is_embedding or other.output != model.output:
                continue
            live = other.live_mappings(today)
            if not live or (other.deprecated_at and _past(other.deprecated_at, today)):
                continue
            if provider and not any(p.provider == provider and not p.deprecated(today) for p in live):
                continue
            if (other.released_at or "") < (model.released_at or ""):
                continue
            rank = (len(words & _name_words(other.id)), general, other.released_at or "", other.id)
            if best is None or rank > best:
                best = rank
        return best[3] if best else None


_SMALLER_TIERS = frozenset({"mini", "nano", "lite", "small", "tiny", "micro", "haiku", "flash"})
_SPECIAL_PURPOSE = frozenset(
    {"codex", "audio", "realtime", "search", "transcribe", "tts", "image", "latest", "chat", "preview",
     "embedding", "guard", "research", "computer"}
)  # fmt: skip


def _name_words(model_id: str) -> set[str]:
    return {w for w in re.split(r"[-_.:/]+", model_id.lower()) if w and not w[0].isdigit()}


def _parse_model(m: dict[str, Any]) -> CatalogModel:
    providers = []
    for p in m.get("providers", []):
        pricing = p.get("pricing") or {}
        regions = p.get("regions") or ()
        providers.append(
            ProviderMapping(
                provider=p.get("provider") or p.get("providerId") or "",
                external_id=p.get("external_id") or p.get("externalId") or m["id"],
                input_price=_s(p.get("input_price", pricing.get("prompt"))),
                output_price=_s(p.get("output_price", pricing.get("completion"))),
                cached_input_price=_s(p.get("cached_input_price", pricing.get("input_cache_read"))),
                request_price=_s(p.get("request_price", pricing.get("request"))),
                context_size=p.get("context_size", p.get("contextSize")),
                max_output=p.get("max_output", p.get("maxOutput")),
                streaming=p.get("streaming"),
                tools=p.get("tools"),
                vision=p.get("vision"),
                json_output=p.get("json_output", p.get("jsonOutput")),
                deprecated_at=p.get("deprecated_at", p.get("deprecatedAt")),
                deactivated_at=p.get("deactivated_at", p.get("deactivatedAt")),
                regions=tuple(r if isinstance(r, str) else r.get("id", "") for r in regions),
                endpoint_kinds=tuple(p.get("endpoint_kinds") or ()),
                parallel_tool_calls=p.get("parallel_tool_calls", p.get("parallelToolCalls")),
                reasoning=p.get("reasoning"),
            )
        )
    output = m.get("output")
    if output is None:
        arch = m.get("architecture") or {}
        output = arch.get("output_modalities") if arch.get("output_modalities") != ["text"] else None
    return CatalogModel(
        id=m["id"],
        name=m.get("name") or m["id"],
        family=m.get("family") or "",
        aliases=tuple(m.get("aliases") or ()),
        output=tuple(output or ()),
        released_at=m.get("released_at"),
        deprecated_at=m.get("deprecated_at"),
        deactivated_at=m.get("deactivated_at"),
        providers=providers,
        successor=m.get("successor") or m.get("successor_id") or m.get("successorId"),
    )


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


def cache_dir() -> Path:
    env = os.environ.get("LLMGW_MIGRATE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmgw-migrate"


def cached_catalog_path() -> Path:
    return cache_dir() / "catalog.json"


def _load_file(path: Path) -> Catalog:
    data = json.loads(path.read_text(encoding="utf-8"))
    if "providers" not in data:
        # A live /v1/models answer has no provider list: borrow it from the bundled snapshot.
        snapshot = json.loads(rules_path("catalog.json").read_text(encoding="utf-8"))
        data = {"providers": snapshot["providers"], "models": data.get("data", [])}
    return Catalog(data, str(path))


@functools.cache
def load_catalog() -> Catalog:
    override = os.environ.get("LLMGW_MIGRATE_CATALOG")
    if override:
        return _load_file(Path(override))
    cached = cached_catalog_path()
    if cached.is_file():
        return _load_file(cached)
    return _load_file(rules_path("catalog.json"))


def refresh(url: str = LIVE_MODELS_URL, timeout: float = 30.0) -> tuple[Path, int]:
    """Fetch the live catalog into the user cache; returns (path, model count)."""
    import httpx

    from llmgw_migrate.atomic import write_text_atomic

    resp = httpx.get(url, params={"include_deactivated": "true"}, timeout=timeout)
    resp.raise_for_status()
    data = resp.json()
    models = data.get("data")
    if not isinstance(models, list):
        raise ValueError("the answer has no 'data' list of models")
    path = cached_catalog_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data))
    load_catalog.cache_clear()
    return path, len(models)
