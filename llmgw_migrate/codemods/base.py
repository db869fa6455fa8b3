"""The contract between the `code` engine and the per-file-type handlers.

A handler says which files it takes, which cheap substrings make a file a candidate, and turns a file's
text into new text plus findings. It never touches the disk: the engine reads, diffs and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from llmgw_migrate.codemods.engine import CodeRun

from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import DEFAULT_GATEWAY_URL, UrlMatcher


@dataclass(frozen=True)
class RewriteContext:
    """Everything a rewrite needs to know about the migration; picklable for the process pool."""

    model_map: dict[str, str] = field(default_factory=dict)  # client-facing name -> gateway model id
    known_models: frozenset[str] = frozenset()  # every name in the plan, mapped or not
    base_url: str = DEFAULT_GATEWAY_URL
    key_env: str = "LLM_GATEWAY_API_KEY"
    url_env: str = "LLM_GATEWAY_BASE_URL"
    from_urls: tuple[str, ...] = ()
    not_proxy_ports: tuple[int, ...] = ()  # candidate ports another server owns here (port_evidence.py)
    replace_litellm: bool = False
    has_plan: bool = False

    @property
    def urls(self) -> UrlMatcher:
        return UrlMatcher(self.from_urls, self.not_proxy_ports)


class RewriteError(Exception):
    """The file cannot be parsed: reported with its location, left byte-identical."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class RewriteResult:
    text: str  # the new text (equal to the input when nothing changed)
    findings: list[Finding] = field(default_factory=list)


class FileHandler(Protocol):
    name: str

    def accepts(self, path: PurePath) -> bool:
        """Whether this handler owns the file (by name/suffix only; no I/O)."""
        ...

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        """Substrings of which at least one must appear for the file to be parsed at all."""
        ...

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        """Rewrite `text` (decoded, with '\\n' newlines). Raise RewriteError if it does not parse."""
        ...


class FinishingHandler(FileHandler, Protocol):
    """A handler that also looks at the whole run once every file is done (optional, additive).

    `finish(run)` sees every outcome (`source` texts of the candidates, their findings) and returns
    findings; one at the same code, file, line and column as an existing finding replaces it (so a
    handler can complete its own finding with what other files say), any other is added. It runs in
    the parent process, only when the handler took at least one candidate.
    """

    def finish(self, run: CodeRun) -> list[Finding]: ...
