"""The state of one rewrite of one JavaScript/TypeScript file: the clients found, which strings and
names reach an LLM client, the file's constants, and the edits and findings so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.findings_util import at_line
from llmgw_migrate.codemods.text_edits import Edit
from llmgw_migrate.findings import Finding

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass
class Client:
    name: str  # the binding: `client`, `this.client`, `openai`
    kind: str
    with_v1: bool
    options: Node | None
    proxy: bool = False
    node: Node | None = None


@dataclass
class Analysis:
    src: bytes
    path: str
    ctx: RewriteContext
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    llm_strings: dict[tuple[int, int], bool] = field(default_factory=dict)  # string span -> with_v1
    llm_idents: dict[str, bool] = field(default_factory=dict)  # identifier -> with_v1
    client_key_exprs: set[tuple[int, int]] = field(default_factory=set)  # env reads sent as a client key
    clients: list[Client] = field(default_factory=list)
    providers: dict[str, bool] = field(default_factory=dict)  # Vercel provider binding -> proxy
    proxy_strings: set[tuple[int, int]] = field(default_factory=set)  # URL strings found to be the proxy
    values: dict[str, Node] = field(default_factory=dict)  # const/let/field name -> its initializer
    edited: set[tuple[int, int]] = field(default_factory=set)
    env_readers: set[str] = field(default_factory=set)  # helpers shown to read env vars: `getEnvString`

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def note(self, code: str, msg: str, node: Node) -> None:
        row, col = node.start_point
        line_start = self.src.rfind(b"\n", 0, node.start_byte) + 1
        column = len(self.src[line_start : node.start_byte].decode("utf-8", "replace")) + 1
        del col
        self.findings.append(at_line(code, msg, self.path, row + 1, column))

    def edit(self, start: int, end: int, new: str) -> None:
        if (start, end) in self.edited:
            return
        self.edited.add((start, end))
        self.edits.append(Edit(start, end, new))
