"""codemods/python/handler.py `_code`: the new text from the changed top-level statements alone equals
libcst's code of the whole new module."""

from __future__ import annotations

import libcst as cst
import pytest

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python.handler import PythonHandler, _code

CLIENT = 'client = OpenAI(base_url="http://localhost:4000", api_key=os.environ["LITELLM_API_KEY"])\n'


class _Retarget(cst.CSTTransformer):
    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        return updated.with_changes(value=updated.value.replace("localhost:4000", "gw"))


BODY = (
    "\n\ndef total(items):\n    out = 0\n    for item in items:\n        out += item.size\n    return out\n"
    * 3
)


@pytest.mark.parametrize(
    ("text", "spliced"),
    [
        ("import os\n\n" + CLIENT + BODY, True),
        ("# licence\n\n" + CLIENT + "x = 1\n" + BODY, True),
        ("# header\n" + CLIENT + "x = 1\n" + CLIENT + BODY, False),  # the same statement twice
        (
            "class S:\n    url = 'http://localhost:4000'\n"
            + BODY
            + "URL = 'http://localhost:4000/v1'\n# end\n",
            True,
        ),
        (BODY + "URL = 'http://localhost:4000'", False),  # no trailing newline: not found as generated
        ("A = 'http://localhost:4000'\r\nB = 2\r\n" + BODY.replace("\n", "\r\n"), True),
        (CLIENT + "x = 1\n", False),  # most of the module changed
    ],
)
def test_spliced_code_equals_the_whole_modules_code(
    text: str, spliced: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = cst.parse_module(text)
    # As the rules' EditApplier leaves them: only the statements holding an edit are new nodes.
    header = list(old.header)  # a new sequence of the same nodes
    body = [s.visit(_Retarget()) if "localhost" in old.code_for_node(s) else s for s in old.body]
    new = old.with_changes(header=header, body=body)
    expected = new.code
    if spliced:  # the whole module's code is never generated
        monkeypatch.setattr(cst.Module, "_codegen_impl", lambda *a, **k: pytest.fail("whole module"))
    assert _code(old, new, text) == expected


def test_added_statements_regenerate_the_module() -> None:
    text = "import os\n" + CLIENT
    old = cst.parse_module(text)
    new = old.with_changes(body=[*old.body, cst.parse_statement("y = 2\n")])
    assert _code(old, new, text) == new.code


def test_a_rewrite_keeps_every_other_byte() -> None:
    text = (
        "import os\nfrom openai import OpenAI\n\n# a  comment   kept\n" + CLIENT + "def g( a ):  return a\n"
    )
    out = PythonHandler().rewrite("m.py", text, RewriteContext()).text
    assert (
        out.replace("https://api.llmgateway.io/v1", "http://localhost:4000").replace(
            "LLM_GATEWAY_API_KEY", "LITELLM_API_KEY"
        )
        == text
    )
