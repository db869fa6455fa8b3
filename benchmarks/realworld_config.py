"""Score `llmgw-migrate config` on public LiteLLM configs against hand-judged expectations.

The configs are not in the repository: `benchmarks/realworld/config_manifest.yaml` names each one as
`owner/name@commit:path` and says, for each client-facing model, which gateway id and status a careful
user would expect (judged against the shared reference: llm-gateway.md, litellm.md and the catalog).
The files are read from git snapshots of the repositories under $LLMGW_MIRRORS (default /work/.mirror,
one bare git directory per repository at <owner>+<name>/repo) and copied once into $LLMGW_CORPUS_CACHE
(default /work/cache/configs), outside the checkout.

For each config, `config --format json --as-of <manifest as_of>` runs as a subprocess; an entry is
right when the gateway id and status match (and the expected finding code, if one is named, is among
the findings that point into that model's entries). Prints right / wrong / unjudged, the finding codes
per model (--findings), and every wrong entry with what was expected and what came out.

    .venv/bin/python benchmarks/realworld_config.py [--manifest PATH] [--cache DIR] [--findings]
        [--only SUBSTR]

The held-out set (judged before the tool ran on it) is scored with
    --manifest benchmarks/realworld/config_holdout_manifest.yaml --cache /work/cache/configholdout
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
DEFAULT_MANIFEST = HERE / "realworld" / "config_manifest.yaml"
MIRRORS = Path(os.environ.get("LLMGW_MIRRORS", "/work/.mirror"))
CACHE = Path(os.environ.get("LLMGW_CORPUS_CACHE", "/work/cache/configs"))

HOW_TO_GET = (
    "no git snapshot of {repo} under {mirrors}.\n"
    "  Get one (a bare git directory at {mirrors}/{slug}/repo holding commit {commit}), e.g.\n"
    "    git clone --bare https://github.com/{repo}.git {mirrors}/{slug}/repo\n"
    "  or point LLMGW_MIRRORS at a folder that has it; the file is then copied to {cache}."
)


@dataclass
class Source:
    repo: str
    commit: str
    path: str

    @classmethod
    def parse(cls, text: str) -> Source:
        repo, _, rest = text.partition("@")
        commit, _, path = rest.partition(":")
        if not (repo and commit and path):
            raise SystemExit(f"manifest: bad source {text!r} (want owner/name@commit:path)")
        return cls(repo, commit, path)

    @property
    def slug(self) -> str:
        return self.repo.replace("/", "+")

    def cached(self, path: str | None = None) -> Path:
        return CACHE / f"{self.slug}@{self.commit[:12]}" / (path or self.path)


@dataclass
class Result:
    right: int = 0
    wrong: list[str] = field(default_factory=list)
    unjudged: int = 0
    missing: list[str] = field(default_factory=list)


def _git_show(src: Source, path: str) -> bytes | None:
    gitdir = MIRRORS / src.slug / "repo"
    if not gitdir.is_dir():
        return None
    proc = subprocess.run(
        ["git", "--git-dir", str(gitdir), "show", f"{src.commit}:{path}"], capture_output=True
    )
    return proc.stdout if proc.returncode == 0 else None


def materialise(src: Source, includes: list[str]) -> Path | None:
    """The config (and the files it includes) in the cache, copied from the mirror when missing."""
    for path in [src.path, *includes]:
        target = src.cached(path)
        if target.is_file():
            continue
        data = _git_show(src, path)
        if data is None:
            print(
                HOW_TO_GET.format(
                    repo=src.repo, mirrors=MIRRORS, slug=src.slug, commit=src.commit, cache=CACHE
                ),
                file=sys.stderr,
            )
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return src.cached()


def entry_spans(files: list[Path]) -> dict[str, list[tuple[int, int, str]]]:
    """Per file: (first line, last line, model_name) of each model_list entry, 1-based."""
    yaml = YAML(typ="rt")
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for f in files:
        try:
            doc = yaml.load(f.read_text(encoding="utf-8"))
        except Exception:
            continue
        items = doc.get("model_list") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            continue
        starts = [items.lc.item(i)[0] + 1 for i in range(len(items))]
        # the last entry ends where the next top-level key starts
        key_lines = sorted(doc.lc.key(k)[0] + 1 for k in doc)
        list_line = doc.lc.key("model_list")[0] + 1
        after = [n for n in key_lines if n > list_line]
        last_end = after[0] - 1 if after else 10**9
        out = []
        for i, item in enumerate(items):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else last_end
            name = item.get("model_name") if isinstance(item, dict) else None
            out.append((starts[i], end, str(name)))
        spans[str(f.resolve())] = out
    return spans


def findings_by_model(plan: dict[str, Any], files: list[Path]) -> dict[str, list[str]]:
    """Finding codes grouped by the client-facing model they touch: the model a location names, else
    the model whose entry the line points into. (A location's own model comes first: with YAML anchors
    and merge keys, `glm-4.5`'s line can sit inside the `glm-4.5-deepinfra` entry it copies.)"""
    spans = entry_spans(files)
    in_list = {name for entries in spans.values() for _start, _end, name in entries}
    out: dict[str, list[str]] = defaultdict(list)
    for f in plan.get("findings", []):
        locs = f.get("locations") or [{"file": f.get("file"), "line": f.get("line")}]
        seen: set[str] = set()
        for loc in locs:
            file, line = loc.get("file"), loc.get("line")
            if loc.get("model") is not None:
                if loc["model"] not in seen:
                    seen.add(loc["model"])
                    out[loc["model"]].append(f["code"])
                continue
            if not file or not line:
                continue
            for start, end, name in spans.get(str(Path(file).resolve()), []):
                if start <= line <= end and name not in seen:
                    seen.add(name)
                    out[name].append(f["code"])
        # an alias has no model_list entry: a finding about it names it in its message
        for m in plan.get("models", []):
            name = m["name"]
            if name not in in_list and f"`{name}`" in f.get("message", "") and name not in seen:
                out[name].append(f["code"])
    return out


def run_config(path: Path, as_of: str, target: str) -> dict[str, Any] | str:
    cmd = [sys.executable, "-m", "llmgw_migrate", "config", str(path), "--format", "json"]
    cmd += ["--as-of", as_of, "--target", target]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        return f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def judge(expect: dict[str, Any], got: dict[str, Any] | None, codes: list[str]) -> str | None:
    """None when right, else why it is wrong."""
    if got is None:
        return "no such model in the plan"
    problems = []
    if "gateway_model" in expect and expect["gateway_model"] != got.get("gateway_model"):
        problems.append(f"gateway_model {got.get('gateway_model')!r} != {expect['gateway_model']!r}")
    if "status" in expect and expect["status"] != got.get("status"):
        problems.append(f"status {got.get('status')} != {expect['status']}")
    want = expect.get("finding")
    for code in [want] if isinstance(want, str) else want or []:
        if code not in codes:
            problems.append(f"no {code} (got {','.join(sorted(set(codes))) or 'none'})")
    return "; ".join(problems) or None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument(
        "--cache", type=Path, help="folder of the config copies (default $LLMGW_CORPUS_CACHE)"
    )
    parser.add_argument("--findings", action="store_true", help="print the finding codes of every model")
    parser.add_argument("--only", help="score only sources containing this text")
    args = parser.parse_args()
    if args.cache:
        global CACHE
        CACHE = args.cache

    manifest = YAML(typ="safe").load(args.manifest.read_text(encoding="utf-8"))
    as_of, target = str(manifest["as_of"]), manifest.get("target", "managed")
    total = Result()
    statuses: Counter[str] = Counter()
    per_config: list[str] = []
    per_model: Counter[int] = Counter()  # models by how many distinct findings touch them (issue 12: <= 3)
    over: list[str] = []
    scored = 0
    for cfg in manifest["configs"]:
        if args.only and args.only not in cfg["source"]:
            continue
        src = Source.parse(cfg["source"])
        path = materialise(src, cfg.get("includes", []))
        if path is None:
            total.missing.append(cfg["source"])
            continue
        files = [path, *(src.cached(p) for p in cfg.get("includes", []))]
        plan = run_config(path, as_of, cfg.get("target", target))
        entries = cfg.get("entries", [])
        if isinstance(plan, str):
            total.wrong.extend(
                f"{cfg['source']}: {e['model_name']}: {plan}" for e in entries if "expect" in e
            )
            continue
        models = {m["name"]: m for m in plan["models"]}
        codes = findings_by_model(plan, files)
        for m in plan["models"]:
            n = len(codes.get(m["name"], []))
            per_model[n] += 1
            if n > 3:
                over.append(f"{cfg['source']}: {m['name']}: {n} findings")
        res = Result()
        for e in entries:
            name = str(e["model_name"])
            got = models.get(name)
            if "expect" not in e:
                res.unjudged += 1
                continue
            why = judge(e["expect"], got, codes.get(name, []))
            if why is None:
                res.right += 1
            else:
                res.wrong.append(f"{cfg['source']}: {name} ({e.get('litellm_model', '?')}): {why}")
            if got:
                statuses[got["status"]] += 1
        scored += 1
        total.right += res.right
        total.unjudged += res.unjudged
        total.wrong.extend(res.wrong)
        per_config.append(
            f"  {res.right:3d} right {len(res.wrong):3d} wrong {res.unjudged:3d} unjudged  {cfg['source']}"
        )
        if args.findings:
            for m in plan["models"]:
                found = ", ".join(codes.get(m["name"], []))
                per_config.append(f"      {m['name']}: {m['status']} {m['gateway_model']}  [{found}]")

    judged = total.right + len(total.wrong)
    print("\n".join(per_config))
    print()
    print(
        f"configs {scored}  entries {judged + total.unjudged}  judged {judged}  "
        f"right {total.right}  wrong {len(total.wrong)}  unjudged {total.unjudged}  "
        f"right/judged {100 * total.right / max(judged, 1):.1f}% (goal 98%)"
    )
    print(
        "findings per client-facing model (goal <= 3): "
        + ", ".join(f"{k}: {v}" for k, v in sorted(per_model.items()))
        + f"; over 3: {len(over)} models, worst {max(per_model, default=0)}"
    )
    print("plan status of judged entries: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    if args.findings and over:
        print("\nmodels with more than 3 findings:")
        print("\n".join(f"  {o}" for o in over))
    if total.missing:
        print(f"missing snapshots ({len(total.missing)}): " + ", ".join(total.missing))
    if total.wrong:
        print("\nwrong:")
        print("\n".join(f"  {w}" for w in total.wrong))
    return 0 if not total.missing else 2


if __name__ == "__main__":
    raise SystemExit(main())
