"""Finding positions without the whole-module position pass (codemods/python/state.py) agree with it.

The quick ways (an expression whose code occurs once in the file; a position pass over the one
top-level statement that holds the node) are checked against libcst's PositionProvider over every
node of real modules: this repository's own source and the example app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python.facts import Facts
from llmgw_migrate.codemods.python.state import RewriteState

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for p in [*(ROOT / "llmgw_migrate").rglob("*.py"), *(ROOT / "fixtures").rglob("*.py")]
    # a package's docstring-only __init__ has nothing to locate
    if p.stat().st_size > 500 and len(ast.parse(p.read_bytes()).body) > 1
)


def _state(text: str) -> tuple[RewriteState, dict[cst.CSTNode, tuple[int, int, int]]]:
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    ranges = wrapper.resolve(PositionProvider)
    facts = Facts.collect(module, RewriteContext())
    expected = {n: (r.start.line, r.start.column + 1, r.end.line) for n, r in ranges.items()}

    def never() -> dict[cst.CSTNode, object]:
        raise AssertionError("the whole-module pass must not be needed here")

    state = RewriteState("m.py", text, RewriteContext(), facts, never, None, module)  # type: ignore[arg-type]
    return state, expected


@pytest.mark.parametrize("path", FILES[::2], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_quick_positions_agree_with_the_full_pass(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    state, expected = _state(text)
    located = via_statement = 0
    for node, want in expected.items():
        if id(node) not in state.facts.parents:
            continue  # a whitespace or punctuation node the facts walk skips
        got = state.locate(node)
        if got is not None:
            located += 1
            assert got == want, (type(node).__name__, got, want)
        alone = state._in_statement(node)
        if alone is not None:
            via_statement += 1
            assert alone == want, (type(node).__name__, alone, want)
    assert located and via_statement


def test_crlf_files_and_bare_cr_files() -> None:
    text = 'import os\r\n\r\ndef f():\r\n    return os.getenv("A")\r\n'
    state, expected = _state(text)
    call = next(n for n in expected if isinstance(n, cst.Call))
    assert state.locate(call) == expected[call] == (4, 12, 4)
    state, _ = _state('import os\rx = os.getenv("A")\r')
    assert not state._locatable  # bare CR line ends: only the full pass counts them right
