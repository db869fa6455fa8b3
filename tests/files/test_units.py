"""Unit tests of the helpers under the non-Python handlers: edits, suppressions, the JSON span reader,
secret masking, file ownership, notebook layout, error locations."""

from __future__ import annotations

import json
from pathlib import PurePath

import pytest

from llmgw_migrate.codemods import (
    dependencies,
    docker,
    dotenv,
    file_rules,
    json_files,
    notebooks,
    shell,
    toml_files,
    yaml_files,
)
from llmgw_migrate.codemods.base import RewriteContext, RewriteError
from llmgw_migrate.codemods.handlers import all_handlers
from llmgw_migrate.codemods.javascript import handler as javascript
from llmgw_migrate.codemods.json_spans import JsonSpanError, parse
from llmgw_migrate.codemods.secret_mask import mask_secrets
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, Suppressions, apply_edits
from llmgw_migrate.findings import make

CTX = RewriteContext(model_map={"smart": "openai/gpt-4o"}, known_models=frozenset({"smart"}), has_plan=True)
MINE = {"notebook", "javascript", "dotenv", "yaml", "json", "toml", "docker", "shell", "dependencies"}


def test_apply_edits_on_str_and_bytes_keeps_the_rest() -> None:
    assert apply_edits("abcdef", [Edit(4, 5, "E"), Edit(0, 1, "AA")]) == "AAbcdEf"
    assert apply_edits("héllo".encode(), [Edit(0, 1, "H")]) == "Héllo".encode()
    # of two overlapping edits the first wins; the second is dropped, not merged
    assert apply_edits("abcdef", [Edit(1, 4, "X"), Edit(2, 3, "Y")]) == "aXef"


def test_line_index_positions() -> None:
    idx = LineIndex("ab\ncd\n\nef")
    assert idx.position(0) == (1, 1)
    assert idx.position(4) == (2, 2)
    assert idx.position(7) == (4, 1)
    assert idx.line_of(6) == 3


def test_suppressions_bare_and_coded() -> None:
    sup = Suppressions("a  # llmgw: ignore\nb  # llmgw: ignore[LGM301, LGM302]\nc\n")
    assert not sup.edits_allowed(1)
    assert sup.edits_allowed(2) and sup.edits_allowed(3)
    assert not sup.finding_allowed(make("LGM301", "x", file="f", line=2))
    assert sup.finding_allowed(make("LGM304", "x", file="f", line=2))
    assert not sup.finding_allowed(make("LGM304", "x", file="f", line=1))


def test_json_span_reader_spans_and_jsonc() -> None:
    text = '{\n  // c\n  "a": [1, "x\\u00e9", true, null],\n  "b": {"c": -1.5e3,},\n}\n'
    root = parse(text)
    a = root.get("a")
    assert a is not None and [i.kind for i in a.items] == ["number", "string", "literal", "literal"]
    s = a.items[1]
    assert s.value == "xé" and text[s.start : s.end] == '"x\\u00e9"'
    b = root.get("b")
    assert b is not None and b.get("c") is not None


@pytest.mark.parametrize(
    ("text", "pos"),
    [('{"a": }', 6), ('{"a" 1}', 5), ("[1, 2", 5), ('{"a": "b', 6), ("{} x", 3), ("/* open", 0)],
)
def test_json_span_reader_errors_have_positions(text: str, pos: int) -> None:
    with pytest.raises(JsonSpanError) as exc:
        parse(text)
    assert exc.value.pos == pos


@pytest.mark.parametrize(
    ("handler", "path", "text", "line"),
    [
        (json_files.HANDLER, "a.json", '{\n  "a": 1,,\n}', 2),
        (yaml_files.HANDLER, "a.yaml", "a:\n  b: [1, 2\nc: LITELLM", 3),
        (toml_files.HANDLER, "a.toml", 'a = 1\nb = "LITELLM\n', 2),
        (dotenv.HANDLER, ".env", 'A=1\nLITELLM_API_KEY="unterminated\n', 2),
        (javascript.HANDLER, "a.ts", "const a = {;\n// LITELLM\n", 1),
        # hand-written (short lines): the grammar's gap is still reported, only minified bundles get LGM341
        (javascript.HANDLER, "a.js", 'import { in as l } from "./a";\nconst u = "http://litellm";\n', 1),
        (notebooks.HANDLER, "a.ipynb", '{"cells": [}', 1),
    ],
)
def test_parse_errors_carry_a_location(handler, path: str, text: str, line: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RewriteError) as exc:
        handler.rewrite(path, text, CTX)
    assert exc.value.line == line
    assert exc.value.message


def test_secret_masking_for_display() -> None:
    text = (
        "LITELLM_API_KEY=sk-1234  # virtual key\n"
        "LITELLM_BASE_URL=http://localhost:4000\n"
        "OPENAI_API_KEY=${LITELLM_API_KEY}\n"
        "    LITELLM_MASTER_KEY: sk-master\n"
        '  "apiKey": "sk-json",\n'
        "ENV OPENAI_API_KEY sk-legacy\n"
        'curl -H "Authorization: Bearer $LITELLM_API_KEY"\n'
        "keyboard: qwerty\n"
    )
    masked = mask_secrets(text)
    for secret in ("sk-1234", "sk-master", "sk-json", "sk-legacy"):
        assert secret not in masked
    for kept in (
        "http://localhost:4000",
        "${LITELLM_API_KEY}",
        "Bearer $LITELLM_API_KEY",
        "qwerty",
        "# virtual key",
    ):
        assert kept in masked
    assert masked.count("\n") == text.count("\n")
    assert dotenv.HANDLER.mask_secrets("A_TOKEN=abc\n") == "A_TOKEN=****\n"


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        (".env", "dotenv"),
        (".env.example", "dotenv"),
        (".env.production", "dotenv"),
        ("prod.env", "dotenv"),
        (".envrc", "dotenv"),
        ("env.example", "dotenv"),
        (".env-staging", "dotenv"),
        ("deploy/app.yaml", "yaml"),
        (".github/workflows/ci.yml", "yaml"),
        ("package.json", "json"),
        (".devcontainer/devcontainer.json", "json"),
        ("pyproject.toml", "toml"),
        ("Pipfile", "toml"),
        ("Dockerfile", "docker"),
        ("Dockerfile.dev", "docker"),
        ("api.dockerfile", "docker"),
        ("Containerfile", "docker"),
        ("scripts/smoke.sh", "shell"),
        ("Makefile", "shell"),
        ("rules.mk", "shell"),
        ("src/client.ts", "javascript"),
        ("src/App.tsx", "javascript"),
        ("worker.mjs", "javascript"),
        ("nb/explore.ipynb", "notebook"),
        ("requirements.txt", "dependencies"),
        ("requirements-dev.txt", "dependencies"),
        ("requirements/base.txt", "dependencies"),
        ("uv.lock", "dependencies"),
        ("site/litellm_init.pth", "dependencies"),
    ],
)
def test_each_file_has_exactly_one_file_handler(path: str, owner: str) -> None:
    owners = [h.name for h in all_handlers() if h.name in MINE and h.accepts(PurePath(path))]
    assert owners == [owner]


@pytest.mark.parametrize(
    "path",
    ["package-lock.json", "vendor.min.js", "types.d.ts", "notes.txt", "README.md", ".env.py", "app.min.json"],
)
def test_files_no_handler_of_ours_takes(path: str) -> None:
    assert [h.name for h in all_handlers() if h.name in MINE and h.accepts(PurePath(path))] == []


def test_notebook_keeps_layout_when_a_cell_grows() -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {"tags": ["x"]},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["http://litellm:4000\n"]}],
                "source": ["%%bash\n", "export LITELLM_BASE_URL=http://litellm:4000"],
            },
            {"cell_type": "markdown", "metadata": {}, "source": ["LITELLM_API_KEY http://litellm:4000"]},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(nb, indent=1) + "\n"
    out = notebooks.HANDLER.rewrite("x.ipynb", text, CTX).text
    parsed = json.loads(out)
    assert parsed["cells"][0]["source"] == [
        "%%bash\n",
        "export LLM_GATEWAY_BASE_URL=https://api.llmgateway.io/v1",
    ]
    assert parsed["cells"][0]["outputs"] == nb["cells"][0]["outputs"]  # outputs record what ran
    assert parsed["cells"][1] == nb["cells"][1]  # markdown is prose
    changed = [a for a, b in zip(text.splitlines(), out.splitlines(), strict=True) if a != b]
    assert len(changed) == 1


def test_notebook_non_python_kernels_skip_the_python_rules() -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ['x = "http://localhost:4000"']}
        ],
        "metadata": {"kernelspec": {"language": "r", "name": "ir"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(nb, indent=1)
    assert notebooks.HANDLER.rewrite("r.ipynb", text, CTX).text == text


def test_rename_env_rules() -> None:
    assert file_rules.rename_env("LITELLM_API_KEY", CTX) == "LLM_GATEWAY_API_KEY"
    assert file_rules.rename_env("REACT_APP_LITELLM_URL", CTX) == "REACT_APP_LLM_GATEWAY_BASE_URL"
    assert file_rules.rename_env("LITELLM_MASTER_KEY", CTX) is None
    assert file_rules.rename_env("LITELLM_MASTER_KEY", CTX, client_key=True) == "LLM_GATEWAY_API_KEY"
    custom = RewriteContext(key_env="ACME_LLM_KEY")
    assert file_rules.rename_env("LITELLM_API_KEY", custom) == "ACME_LLM_KEY"


def test_from_url_makes_a_team_host_the_proxy() -> None:
    ctx = RewriteContext(from_urls=("https://llm.acme.dev",))
    text = "INFERENCE_URL=https://llm.acme.dev/v1\nOTHER=https://www.acme.dev\n"
    out = dotenv.HANDLER.rewrite(".env", text, ctx).text
    assert out == "INFERENCE_URL=https://api.llmgateway.io/v1\nOTHER=https://www.acme.dev\n"


def test_custom_base_url_for_a_self_hosted_gateway() -> None:
    ctx = RewriteContext(base_url="http://gateway.internal:4001/v1")
    out = shell.HANDLER.rewrite("x.sh", "export LITELLM_BASE_URL=http://litellm:4000\n", ctx).text
    assert out == "export LLM_GATEWAY_BASE_URL=http://gateway.internal:4001/v1\n"
    out = docker.HANDLER.rewrite("Dockerfile", "ENV ANTHROPIC_BASE_URL=http://litellm:4000\n", ctx).text
    assert out == "ENV ANTHROPIC_BASE_URL=http://gateway.internal:4001\n"


def test_dependency_versions() -> None:
    assert dependencies.requirement_notes("litellm==1.82.7", "r.txt")[0][0] == "LGM321"
    assert dependencies.requirement_notes("litellm===1.82.8", "r.txt")[0][0] == "LGM321"
    assert dependencies.requirement_notes("litellm==1.82.70", "r.txt")[0][0] == "LGM320"
    assert dependencies.requirement_notes("litellm>=1.82.7", "r.txt")[0][0] == "LGM320"
    assert dependencies.requirement_notes("litellmx==1.82.7", "r.txt") == []
    notes = dependencies.install_command_notes("pip install 'litellm[proxy]==1.82.8' litellm-helper")
    assert [n[1][0] for n in notes] == ["LGM321"]
    assert dependencies.install_command_notes("echo litellm==1.82.7") == []


@pytest.mark.needs_shared
def test_litellm_proxy_configs_in_the_corpus_are_never_rewritten() -> None:
    """Every real config in shared/corpus is `config`'s input: byte-identical, or (the broken one) a located
    parse error."""
    from tests.conftest import CORPUS

    errors = []
    for path in sorted(CORPUS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            result = yaml_files.HANDLER.rewrite(path.name, text, CTX)
        except RewriteError as exc:
            assert exc.line and exc.column
            errors.append(path.name)
            continue
        assert result.text == text, path.name
        assert result.findings == [], path.name
    assert len(errors) == 1
