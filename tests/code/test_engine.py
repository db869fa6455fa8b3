"""The engine: discovery, prefilter, encodings, parse errors, parallel order, atomic writes."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path, PurePath

import pytest

from llmgw_migrate.codemods import engine, pool, registry
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.python.handler import HANDLER as PY
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import make

CTX = RewriteContext()
PROXY_SRC = 'from openai import OpenAI\nclient = OpenAI(base_url="http://localhost:4000", api_key=KEY)\n'
MIGRATED = (
    'from openai import OpenAI\nclient = OpenAI(base_url="https://api.llmgateway.io/v1", api_key=KEY)\n'
)


def write(root: Path, rel: str, text: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_bytes(text.encode())
    return p


def run(root: Path, **kw) -> engine.CodeRun:  # type: ignore[no-untyped-def]
    kw.setdefault("handlers", [PY])
    return engine.run_code([root], CTX, **kw)


def changed(r: engine.CodeRun) -> list[str]:
    return [Path(f.display).name for f in r.changed_files]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


class CountingHandler:
    """A handler that records what it was asked to rewrite, to check the prefilter."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def accepts(self, path: PurePath) -> bool:
        return path.suffix == ".txt"

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return ("PROXY",)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        self.seen.append(path)
        findings = [
            make("LGM220", "x", file=path, line=i + 1, column=1)
            for i, line in enumerate(text.splitlines())
            if "seed" in line
        ]
        return RewriteResult(text.replace("PROXY", "GATEWAY"), findings)


# --- discovery ---------------------------------------------------------------------------------------
def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "generated/\n*.gen.py\n!keep.gen.py\n")
    write(tmp_path, "app/main.py", PROXY_SRC)
    write(tmp_path, "generated/client.py", PROXY_SRC)
    write(tmp_path, "app/x.gen.py", PROXY_SRC)
    write(tmp_path, "app/keep.gen.py", PROXY_SRC)
    write(tmp_path, "app/sub/.gitignore", "local.py\n")
    write(tmp_path, "app/sub/local.py", PROXY_SRC)
    write(tmp_path, "app/sub/shared.py", PROXY_SRC)
    r = run(tmp_path)
    assert sorted(changed(r)) == ["keep.gen.py", "main.py", "shared.py"]
    r_all = run(tmp_path, respect_gitignore=False)
    assert len(changed(r_all)) == 6


def test_gitignore_above_the_root_applies(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "svc/skip.py\n")
    write(tmp_path, "svc/skip.py", PROXY_SRC)
    write(tmp_path, "svc/take.py", PROXY_SRC)
    r = engine.run_code([tmp_path / "svc"], CTX, handlers=[PY])
    assert changed(r) == ["take.py"]


def test_include_exclude_and_exclude_wins(tmp_path: Path) -> None:
    for rel in ("src/a.py", "src/b.py", "tests/t.py", "scripts/s.py"):
        write(tmp_path, rel, PROXY_SRC)
    assert sorted(changed(run(tmp_path, include=["src/"]))) == ["a.py", "b.py"]
    assert sorted(changed(run(tmp_path, exclude=["tests/", "scripts"]))) == ["a.py", "b.py"]
    assert changed(run(tmp_path, include=["src/"], exclude=["b.py"])) == ["a.py"]


def test_skips_virtualenvs_node_modules_and_build_output(tmp_path: Path) -> None:
    write(tmp_path, "app.py", PROXY_SRC)
    for rel in ("node_modules/x/a.py", ".venv/lib/b.py", "build/c.py", "vendor/d.py", "__pycache__/e.py"):
        write(tmp_path, rel, PROXY_SRC)
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "myenv/lib/f.py", PROXY_SRC)
    assert changed(run(tmp_path)) == ["app.py"]


def test_skips_framework_build_output_but_not_lookalike_folders(tmp_path: Path) -> None:
    built = (
        "webui-dist/a.py",
        "dist-electron/b.py",
        "dist-ssr/c.py",
        ".output/server/d.py",
        "storybook-static/e.py",
        ".vercel/output/f.py",
        ".aws-sam/build/fn/g.py",
        "packages/ui/.svelte-kit/h.py",
        "apps/web/.next/server/i.py",
    )
    for rel in built:
        write(tmp_path, rel, PROXY_SRC)
    kept = ("app.py", "output/j.py", "distill/k.py", "distributed/l.py", "src/dist_utils/m.py")
    for rel in kept:
        write(tmp_path, rel, PROXY_SRC)
    assert sorted(changed(run(tmp_path))) == sorted(Path(rel).name for rel in kept)


def test_symlinks_never_leave_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    write(outside, "secret.py", PROXY_SRC)
    write(root, "real.py", PROXY_SRC)
    (root / "link_out.py").symlink_to(outside / "secret.py")
    (root / "dir_out").symlink_to(outside, target_is_directory=True)
    (root / "link_in.py").symlink_to(root / "real.py")
    r = engine.run_code([root], CTX, handlers=[PY])
    assert [f.path for f in r.changed_files] == [(root / "real.py")]
    assert len(r.skipped_symlinks) == 2
    engine.apply(r)
    assert (outside / "secret.py").read_text() == PROXY_SRC
    assert (root / "link_in.py").is_symlink()  # the link stays a link; its target was rewritten
    assert (root / "link_in.py").read_text() == MIGRATED


def test_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as exc:
        engine.run_code([tmp_path / "nope"], CTX)
    assert "no such file" in str(exc.value)


# --- prefilter ---------------------------------------------------------------------------------------
def test_prefilter_parses_only_candidates(tmp_path: Path) -> None:
    h = CountingHandler()
    write(tmp_path, "a.txt", "PROXY here\n")
    write(tmp_path, "b.txt", "nothing\n")
    write(tmp_path, "c.md", "PROXY but not accepted\n")
    r = engine.run_code([tmp_path], CTX, handlers=[h])
    assert h.seen == ["a.txt"]
    assert (r.stats.scanned, r.stats.candidates, r.stats.changed) == (2, 1, 1)


def test_findings_suppressed_by_comment_for_any_handler(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.txt",
        "PROXY seed\nPROXY seed  # llmgw: ignore[LGM220]\nPROXY seed  # llmgw: ignore\n"
        "PROXY seed  # llmgw: ignore[LGM201]\n",
    )
    r = engine.run_code([tmp_path], CTX, handlers=[CountingHandler()])
    assert [f.line for f in r.findings] == [1, 4]


# --- encodings, modes, errors -------------------------------------------------------------------------
def test_crlf_bom_and_mode_are_kept(tmp_path: Path) -> None:
    p = write(tmp_path, "crlf.py", codecs.BOM_UTF8 + PROXY_SRC.replace("\n", "\r\n").encode())
    os.chmod(p, 0o750)
    r = run(tmp_path)
    engine.apply(r)
    data = p.read_bytes()
    assert data == codecs.BOM_UTF8 + MIGRATED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(p.stat().st_mode) == 0o750
    assert "\r" not in r.diff()  # the diff is in the text's terms


def test_coding_declaration_is_kept(tmp_path: Path) -> None:
    src = "# -*- coding: latin-1 -*-\n# café\n" + PROXY_SRC
    p = write(tmp_path, "latin.py", src.encode("latin-1"))
    engine.apply(run(tmp_path))
    assert p.read_bytes() == ("# -*- coding: latin-1 -*-\n# café\n" + MIGRATED).encode("latin-1")


def test_mixed_line_endings_are_passed_through(tmp_path: Path) -> None:
    src = PROXY_SRC.replace("\n", "\r\n", 1) + "x = 1\n"
    p = write(tmp_path, "mixed.py", src)
    engine.apply(run(tmp_path))
    assert p.read_bytes() == (MIGRATED.replace("\n", "\r\n", 1) + "x = 1\n").encode()


def test_parse_error_is_reported_and_file_left_identical(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", "import openai\nx = (\nLITELLM = 1\n")
    write(tmp_path, "good.py", PROXY_SRC)
    before = bad.read_bytes()
    r = run(tmp_path)
    errors = [f for f in r.findings if f.code == "LGM290"]
    assert len(errors) == 1 and errors[0].file == "bad.py" and errors[0].line and errors[0].line >= 2
    assert r.stats.errors == 1 and changed(r) == ["good.py"]
    engine.apply(r)
    assert bad.read_bytes() == before


def test_undecodable_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "bin.py", b"LITELLM = '\xff\xfe'\n")
    r = run(tmp_path)
    assert [(f.code, f.line, f.column) for f in r.findings] == [("LGM291", 1, 12)]


def test_a_crashing_rule_is_reported_not_raised(tmp_path: Path) -> None:
    class Boom(CountingHandler):
        def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
            raise ValueError("kaput")

    write(tmp_path, "a.txt", "PROXY\n")
    r = engine.run_code([tmp_path], CTX, handlers=[Boom()])
    assert [f.code for f in r.findings] == ["LGM292"] and "kaput" in r.findings[0].message


def test_rewrite_error_from_any_handler(tmp_path: Path) -> None:
    class Bad(CountingHandler):
        def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
            raise RewriteError("bad token", 3, 7)

    write(tmp_path, "a.txt", "PROXY\n")
    r = engine.run_code([tmp_path], CTX, handlers=[Bad()])
    assert [(f.code, f.line, f.column) for f in r.findings] == [("LGM290", 3, 7)]


def test_stale_file_is_not_overwritten(tmp_path: Path) -> None:
    p = write(tmp_path, "a.py", PROXY_SRC)
    r = run(tmp_path)
    p.write_text(PROXY_SRC + "# edited meanwhile\n")
    with pytest.raises(engine.StaleFileError):
        engine.apply(r)
    assert p.read_text().endswith("# edited meanwhile\n")


# --- parallel ----------------------------------------------------------------------------------------
def test_process_pool_gives_the_same_ordered_result(tmp_path: Path) -> None:
    n = pool.POOL_MIN_CANDIDATES + 5
    for i in range(n):
        write(tmp_path, f"pkg{i % 3}/m{i:03d}.py", PROXY_SRC + f"seed_{i} = 1\n")
    write(tmp_path, "pkg0/bad.py", "LITELLM = (\n")
    serial = run(tmp_path, jobs=1)
    parallel = run(tmp_path, jobs=2)
    assert serial.diff() == parallel.diff()
    assert [f.display for f in serial.files] == [f.display for f in parallel.files]
    assert [f.display for f in parallel.files] == sorted(f.display for f in parallel.files)
    assert serial.findings == parallel.findings
    assert parallel.stats.changed == n


def test_diff_is_git_style(tmp_path: Path) -> None:
    write(tmp_path, "pkg/a.py", PROXY_SRC)
    d = run(tmp_path).diff()
    assert d.startswith("--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ ")
    assert '+client = OpenAI(base_url="https://api.llmgateway.io/v1", api_key=KEY)' in d


def test_suppressed_lines_table() -> None:
    table = engine.suppressed_lines("a\nb  # llmgw: ignore\nc  # llmgw: ignore[lgm201, LGM220]\n")
    assert table == {2: None, 3: frozenset({"LGM201", "LGM220"})}
    assert engine.is_suppressed("LGM201", 3, table) and not engine.is_suppressed("LGM202", 3, table)


def test_a_root_that_git_ignores_is_walked_when_named(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "generated_sdk/\n")
    write(tmp_path, "generated_sdk/lib/a.py", PROXY_SRC)
    write(tmp_path, "generated_sdk/lib/.gitignore", "skip.py\n")
    write(tmp_path, "generated_sdk/lib/skip.py", PROXY_SRC)
    assert changed(run(tmp_path)) == []
    assert changed(engine.run_code([tmp_path / "generated_sdk"], CTX, handlers=[PY])) == ["a.py"]


def test_diff_headers() -> None:
    from llmgw_migrate.codemods.diffing import unified_diff

    assert unified_diff("a\n", "a\n", "x.py") == ""
    assert unified_diff("a\n", "b\n", "pkg/x.py").startswith("--- a/pkg/x.py\n+++ b/pkg/x.py\n")
    assert unified_diff("a\n", "b\n", "/abs/x.py").startswith("--- /abs/x.py\n+++ /abs/x.py\n")
    assert unified_diff("a", "b", "x.py").endswith("+b\n\\ No newline at end of file\n")


def test_prefilter_with_many_tokens_is_one_pattern() -> None:
    few = registry.any_token(["LITELLM", ":4000"])
    many = registry.any_token([f'"model-{i}"' for i in range(50)] + ["LITELLM"])
    every = registry.any_token([])
    assert few(b"x = 'http://a:4000'") and not few(b"x = 1")
    assert many(b'create(model="model-42")') and many(b"LITELLM_API_KEY") and not many(b"model-42")
    assert every(b"")


def test_litellm_init_pth_found_inside_skipped_folders(tmp_path: Path) -> None:
    from llmgw_migrate.codemods.dependencies import HANDLER as DEPS

    payload = "import base64;exec(base64.b64decode('aW1wb3J0IG9z'))\n"
    write(tmp_path, ".venv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, ".venv/lib/python3.12/site-packages/litellm_init.pth", payload)
    write(tmp_path, ".venv/lib/python3.12/site-packages/other.py", PROXY_SRC)  # still skipped
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "myenv/Lib/site-packages/litellm_init.pth", "\x00obfuscated\n")  # no token at all
    write(tmp_path, "site-packages/litellm_init.pth", payload)
    write(tmp_path, "node_modules/x/litellm_init.pth", payload)  # not a site-packages: never run by Python
    r = engine.run_code([tmp_path], CTX, handlers=[DEPS, PY])
    lgm322 = sorted(f.file or "" for f in r.findings if f.code == "LGM322")
    assert lgm322 == [
        ".venv/lib/python3.12/site-packages/litellm_init.pth",
        "myenv/Lib/site-packages/litellm_init.pth",
        "site-packages/litellm_init.pth",
    ]
    assert not any("other.py" in (o.display) for o in r.files)
    excluded = engine.run_code([tmp_path], CTX, handlers=[DEPS], exclude=[".venv/"])
    assert len([f for f in excluded.findings if f.code == "LGM322"]) == 2  # --exclude still wins


def test_finish_hook_replaces_or_adds_findings(tmp_path: Path) -> None:
    class Finishing:
        name = "finishing"
        calls = 0

        def accepts(self, path: PurePath) -> bool:
            return path.suffix == ".txt"

        def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
            return ("proxy",)

        def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
            return RewriteResult(text, [make("LGM310", "one file", file=path, line=1, column=1)])

        def finish(self, run: engine.CodeRun) -> list:  # type: ignore[type-arg]
            Finishing.calls += 1
            first = run.findings[0]
            return [
                first.replace(message=f"seen in {len(run.files)} files"),
                make("LGM310", "whole repo", file=None, line=None, column=None),
            ]

    write(tmp_path, "a.txt", "proxy\n")
    write(tmp_path, "b.txt", "proxy\n")
    r = engine.run_code([tmp_path], CTX, handlers=[Finishing()])
    assert Finishing.calls == 1
    assert sorted(f.message for f in r.findings) == ["one file", "seen in 2 files", "whole repo"]
    assert [f.message for f in r.files[0].findings] == ["seen in 2 files"]
    write(tmp_path, "a.txt", "nothing\n")
    write(tmp_path, "b.txt", "nothing\n")
    engine.run_code([tmp_path], CTX, handlers=[Finishing()])
    assert Finishing.calls == 1  # no candidate for the handler: not called


def test_lgm310_lists_references_in_other_files(tmp_path: Path) -> None:
    from llmgw_migrate.codemods.handlers import all_handlers

    write(
        tmp_path,
        "deploy/docker-compose.yml",
        "services:\n  llmproxy:\n    image: ghcr.io/berriai/litellm:main-latest\n  app:\n    build: .\n",
    )
    write(tmp_path, "app/client.py", 'import openai\nc = openai.OpenAI(base_url="http://llmproxy:4000/v1")\n')
    write(tmp_path, ".env.example", "LITELLM_BASE_URL=http://llmproxy:4000\n")
    r = engine.run_code([tmp_path], CTX, handlers=all_handlers())
    (lgm310,) = [f for f in r.findings if f.code == "LGM310"]
    assert lgm310.file == "deploy/docker-compose.yml"
    assert "Elsewhere in the repository: .env.example:1; app/client.py:2" in lgm310.message


def test_prefilter_imports_no_handler_module_without_candidates(tmp_path: Path) -> None:
    """Registered handlers prefilter from light data: a tree with nothing to migrate never imports a
    parser (libcst, ruamel.yaml, tree-sitter); one Python candidate imports only the Python handler."""
    import subprocess
    import sys

    write(tmp_path, "plain/a.py", "print('hello')\n")
    write(tmp_path, "plain/b.yaml", "a: 1\n")
    write(tmp_path, "plain/c.ts", "export const x = 1;\n")
    write(tmp_path, "one/app.py", PROXY_SRC)
    probe = (
        "import sys; from pathlib import Path; from llmgw_migrate.codemods import engine;"
        "from llmgw_migrate.codemods.base import RewriteContext;"
        "r = engine.run_code([Path(sys.argv[1])], RewriteContext(), jobs=1);"
        "print(r.stats.candidates, sorted(m for m in ('libcst', 'ruamel.yaml', 'tree_sitter',"
        " 'llmgw_migrate.codemods.python.handler', 'llmgw_migrate.codemods.yaml_files',"
        " 'llmgw_migrate.codemods.javascript.handler') if m in sys.modules))"
    )
    plain = subprocess.run(
        [sys.executable, "-c", probe, "plain"], cwd=tmp_path, capture_output=True, text=True
    )
    assert plain.stdout.strip() == "0 []", plain.stderr
    one = subprocess.run([sys.executable, "-c", probe, "one"], cwd=tmp_path, capture_output=True, text=True)
    assert one.stdout.strip() == "1 ['libcst', 'llmgw_migrate.codemods.python.handler']", one.stderr


def test_registry_matches_every_handler() -> None:
    from llmgw_migrate.codemods import registry
    from llmgw_migrate.codemods.handlers import all_handlers

    ctx = RewriteContext(model_map={"smart": "openai/gpt-4o"}, from_urls=("https://llm.acme.dev",))
    handlers = {h.name: h for h in all_handlers()}
    assert [s.name for s in registry.SPECS] == list(handlers)
    for spec in registry.SPECS:
        h = handlers[spec.name]
        assert spec.tokens(ctx) == h.prefilter_tokens(ctx)
        assert spec.finishes == callable(getattr(h, "finish", None))
        assert spec.always_names == frozenset(getattr(h, "always_names", ()))
        for name in (
            "a.py",
            "x/requirements/base.txt",
            ".env.local",
            "Dockerfile.dev",
            "b.min.js",
            "Pipfile",
        ):
            assert spec.accepts(registry.parts(name)) == h.accepts(PurePath(name)), (spec.name, name)


def test_anchors_cover_every_token_and_keep_the_answer() -> None:
    tokens = ["litellm", "LITELLM", "llmgateway", "LLM_GATEWAY_API_KEY", "LLM_GATEWAY_BASE_URL", ":4000"]
    anchors = registry._anchors([t.encode() for t in tokens])
    assert len(anchors) < len(tokens)
    assert all(any(a in t.encode() for a in anchors) for t in tokens)
    match = registry.any_token(tokens)
    assert match(b'x = "http://localhost:4000"') and match(b"LLM_GATEWAY_BASE_URL=1")
    assert not match(b"LLM: a large language model") and not match(b"plain = 1")
