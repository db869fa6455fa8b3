"""Catalog lookup: an upstream model name -> catalog model, respellings, closest ids, served modes."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import difflib
import functools
import re

from llmgw_migrate.config.catalog import Catalog, CatalogModel
from llmgw_migrate.config.read import Deployment
from llmgw_migrate.config.resolve.rules import ProviderRule
from llmgw_migrate.config.resolve.state import ResolverState
from llmgw_migrate.config.resolve.target import Target
from llmgw_migrate.findings import Status


class CatalogLookup(ResolverState):
    def _lookup(self, rule: ProviderRule, upstream: str, dep: Deployment) -> tuple[str, CatalogModel] | None:
        key = (rule.prefix, upstream)
        if key not in self._lookups:  # big configs repeat the same few models many times
            self._lookups[key] = None
            for gp in rule.gateway:
                found = self.catalog.resolve(gp, upstream)
                if found:
                    self._lookups[key] = (gp, found)
                    break
        return self._lookups[key]

    def closest(self, name: str) -> list[str]:
        if name not in self._closest:
            self._closest[name] = closest_ids(self.catalog, name)
        return self._closest[name]

    def _respelled(self, rule: ProviderRule, wanted: str) -> tuple[str, CatalogModel, str | None] | None:
        """A catalog model this provider serves that `wanted` names another way, and what to tell the user.

        A Vertex `name@version` pin is the same model as `name-version` (no finding) or, with the pin
        dropped, `name`; a name that is another provider's upstream name for a catalog model is that
        model when this provider serves it too (under its own upstream name).
        """
        if "@" in wanted:
            base, _, version = wanted.partition("@")
            unversioned = _VERSION_SUFFIX.sub("", base)  # claude-3-5-sonnet-v2@20241022: the v2 is the date
            for cand, note in (
                (f"{base}-{version}", None),
                (f"{unversioned}-{version}", None),
                (
                    base,
                    f"`{wanted}` is served as catalog model `{{id}}`: the version pin @{version} is not kept, the gateway picks the snapshot",
                ),
            ):
                if not base or not version:
                    break
                for gp in rule.gateway:
                    found = self.catalog.resolve(gp, cand)
                    if found is not None:
                        return gp, found, note.format(id=found.id) if note else None
        for gp in rule.gateway:
            dated = self._dated(gp, wanted)
            if (
                dated is not None
            ):  # claude-opus-4-1 is the alias of its one snapshot, claude-opus-4-1-20250805
                return gp, dated, None
        elsewhere = self.catalog.resolve(None, wanted)
        if elsewhere is None or elsewhere.deactivated(self.today):
            return None
        for gp in rule.gateway:
            mapping = elsewhere.mapping(gp)
            if mapping is not None and not mapping.deactivated(self.today):
                return (
                    gp,
                    elsewhere,
                    f"`{wanted}` is not the {gp} name of any catalog model but another provider's name for catalog model `{elsewhere.id}`, "
                    f"which the gateway serves through {gp} as `{mapping.external_id}`: check it is the model meant",
                )
        return None

    def _dated(self, provider: str | None, name: str) -> CatalogModel | None:
        """The newest catalog model whose (provider's) name is `name` plus a -YYYYMMDD date."""
        ids = _undated_index(self.catalog).get((provider, name.lower()))
        if not ids:
            return None
        return max((self.catalog.models[i] for i in ids), key=lambda m: (m.released_at or "", m.id))

    def any_spelling(self, wanted: str) -> CatalogModel | None:
        """The catalog model `wanted` names under any provider, live or not: as written, as a Vertex
        `name@version` pin (`-v2` dropped), or as the undated alias of a dated snapshot."""
        if "@" in wanted:  # the pinned snapshot first: `name` alone may be another catalog entry
            base, _, version = wanted.partition("@")
            cands = (f"{base}-{version}", f"{_VERSION_SUFFIX.sub('', base)}-{version}")
            for cand in cands:  # exact ids first: resolve's looser spellings would drop the date
                if cand in self.catalog.models:
                    return self.catalog.models[cand]
            for cand in cands:
                found = self.catalog.resolve(None, cand)
                if found is not None:
                    return found
        found = self.catalog.resolve(None, wanted)
        if found is not None:
            return found
        return self._dated(None, wanted.partition("@")[0])

    def model_id(self, model: CatalogModel, provider: str) -> str:
        if self.routing == "smart" and len(model.live_mappings(self.today)) > 1:
            return model.id
        return f"{provider}/{model.id}"

    def _check_mode(self, t: Target, model: CatalogModel, gp: str) -> None:
        dep = t.deployment
        if model.is_embedding and t.mode == "chat":
            t.mode = "embedding"
        wanted = {
            "embedding": "embeddings",
            "image_generation": "imageGenerations",
            "audio_transcription": "transcriptions",
            "audio_speech": "speechGenerations",
            "rerank": "rerank",
            "realtime": "realtime",
            "video_generation": "videoGenerations",
            "ocr": "ocr",
            # no gateway provider serves these: LiteLLM's Batches API (files + batches) and moderations
            "batch": "batches",
            "moderation": "moderations",
            "moderations": "moderations",
        }.get(t.mode)
        info = self.catalog.provider(gp)
        if wanted and info is not None and info.serves and wanted not in info.serves:
            t.finding(
                "LGM135",
                f"`{dep.model_name}` has mode `{t.mode}`, which the gateway's {gp} provider does not serve",
                dep.model_loc,
            )
            t.status = Status.manual
            t.unservable = True


_VERSION_SUFFIX = re.compile(r"-v\d+$")
_DATE_SUFFIX = re.compile(r"-(20\d{6})$")


@functools.cache
def _undated_index(catalog: Catalog) -> dict[tuple[str | None, str], list[str]]:
    """(provider or None, name without its -YYYYMMDD date) -> catalog ids of the dated snapshots."""
    out: dict[tuple[str | None, str], list[str]] = {}
    for model in catalog.models.values():
        for provider, name in [(None, model.id), *((p.provider, p.external_id) for p in model.providers)]:
            undated = _DATE_SUFFIX.sub("", name.lower())
            if undated != name.lower():
                for key in ((provider, undated), (None, undated)):
                    ids = out.setdefault(key, [])
                    if model.id not in ids:
                        ids.append(model.id)
    return out


_TOKENS = re.compile(r"[a-z]{2,}|[0-9]+")


@functools.cache
def _closest_index(catalog: Catalog) -> tuple[list[str], dict[str, list[str]], dict[str, set[int]]]:
    """Lowercased candidate names (catalog ids and upstream names), their catalog ids, and a token index."""
    owners: dict[str, list[str]] = {}
    for model in catalog.models.values():
        for cand in (model.id, *(p.external_id for p in model.providers)):
            ids = owners.setdefault(cand.lower(), [])
            if model.id not in ids:
                ids.append(model.id)
    names = sorted(owners)
    index: dict[str, set[int]] = {}
    for i, cand in enumerate(names):
        for tok in _TOKENS.findall(cand):
            index.setdefault(tok, set()).add(i)
    return names, owners, index


def closest_ids(catalog: Catalog, name: str, n: int = 3) -> list[str]:
    """Catalog ids closest to an upstream name, for "did you mean" hints.

    Like Catalog.closest, but difflib only runs over candidates sharing a word or number with the name
    (dozens instead of ~1,000), which keeps configs with hundreds of unknown models fast.
    """
    names, owners, index = _closest_index(catalog)
    query = name.rsplit("/", 1)[-1].lower()
    # `-latest` names no snapshot; matching on it would favour other `-latest` ids over the model's own snapshots
    query = query.removesuffix("-latest") or query
    subset: set[int] = set()
    for tok in _TOKENS.findall(query):
        subset |= index.get(tok, set())
    pool = [names[i] for i in sorted(subset)]  # sharing no token at all: not a useful suggestion
    out: list[str] = []
    for hit in difflib.get_close_matches(query, pool, n=n * 3, cutoff=0.5):
        for model_id in owners[hit]:
            if model_id not in out:
                out.append(model_id)
    return out[:n]
