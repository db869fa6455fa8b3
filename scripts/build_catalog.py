"""Generate rules/catalog.json from the gateway catalog snapshot.

Usage: python scripts/build_catalog.py [../shared/reference/llmgateway-catalog.json] [rules/catalog.json]

The snapshot is taken verbatim from llmgateway/llmgateway's packages/models; this script keeps the fields
llmgw-migrate reads, sorts them for stable diffs, and records where they came from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT.parent / "shared" / "reference" / "llmgateway-catalog.json"
DEFAULT_DST = ROOT / "rules" / "catalog.json"

PROVIDER_FIELDS = (
    "id",
    "name",
    "env_var",
    "env_required",
    "env_optional",
    "default_base_url",
    "base_url_template",
    "upstream_paths",
    "serves",
    "openai_compatible",
    "regions",
    "streaming",
)
MODEL_FIELDS = (
    "id",
    "name",
    "family",
    "aliases",
    "output",
    "free",
    "released_at",
    "deprecated_at",
    "deactivated_at",
)
MAPPING_FIELDS = (
    "provider",
    "external_id",
    "input_price",
    "output_price",
    "cached_input_price",
    "request_price",
    "context_size",
    "max_output",
    "streaming",
    "vision",
    "tools",
    "parallel_tool_calls",
    "reasoning",
    "json_output",
    "api_format",
    "deprecated_at",
    "deactivated_at",
    "endpoint_kinds",
    "regions",
)


def build(src: Path) -> dict:
    raw = json.loads(src.read_text(encoding="utf-8"))
    providers = [{k: p.get(k) for k in PROVIDER_FIELDS} for p in raw["providers"]]
    models = []
    for m in raw["models"]:
        entry = {k: m.get(k) for k in MODEL_FIELDS}
        mappings = []
        for p in m["providers"]:
            mp = {k: p.get(k) for k in MAPPING_FIELDS}
            if mp["regions"]:
                mp["regions"] = [r["id"] for r in mp["regions"]]
            mappings.append(mp)
        entry["providers"] = mappings
        models.append(entry)
    return {
        "generated_by": "scripts/build_catalog.py",
        "source": raw.get("source"),
        "counts": {"providers": len(providers), "models": len(models)},
        "providers": sorted(providers, key=lambda p: p["id"]),
        "models": sorted(models, key=lambda m: m["id"]),
    }


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    dst = Path(argv[2]) if len(argv) > 2 else DEFAULT_DST
    data = build(src)
    dst.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {dst}: {data['counts']['models']} models, {data['counts']['providers']} providers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
