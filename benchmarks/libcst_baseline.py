"""The baseline transform for benchmarks/bench_code.py, run by `python -m libcst.tool codemod -x`.

One transform equivalent to the core of `llmgw-migrate code`'s URL rule: string literals holding a local
:4000 proxy address become the gateway URL. The libcst tool parses every file to apply it.
"""

from __future__ import annotations

import re

import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand

PROXY = re.compile(
    r"""^(?P<q>['"])https?://(localhost|127\.0\.0\.1|0\.0\.0\.0|litellm):(4000|8000)(/v1)?/?(?P=q)$"""
)


class ProxyUrlCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Point LiteLLM proxy URL literals at LLM Gateway."

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        m = PROXY.match(updated_node.value)
        if m is None:
            return updated_node
        q = m.group("q")
        return updated_node.with_changes(value=f"{q}https://api.llmgateway.io/v1{q}")
