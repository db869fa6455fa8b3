"""Files in languages `code` does not rewrite (Java, Kotlin, Go, Rust, C#, Ruby, PHP, Swift, Scala, and
Java .properties): each read of a LiteLLM variable that `code` renames elsewhere, and each proxy URL, is
reported at file:line (LGM356), never changed.

Renaming LITELLM_API_KEY in the Python and YAML of a repository while a Java class still reads it
half-migrates the connection: the finding names every such place so the rename can be finished by hand
(or the connection left as it is). Issue 11, class 6.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from llmgw_migrate.codemods import file_rules, registry
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.text_edits import LineIndex
from llmgw_migrate.findings import Finding, make
from llmgw_migrate.proxy_urls import URL_RE, UrlKind

CODE = "LGM356"
LANGUAGES = {
    ".java": "Java",
    ".kt": "Kotlin",
    ".kts": "Kotlin",
    ".go": "Go",
    ".rs": "Rust",
    ".cs": "C#",
    ".rb": "Ruby",
    ".php": "PHP",
    ".swift": "Swift",
    ".scala": "Scala",
    ".properties": "Java properties",
}
# An env var name as such code reads it: in quotes (getenv("X"), ENV["X"], env::var("X")) or ${X} / ${X:d}
_VAR_RE = re.compile(
    r"""(?:["'`]|\$\{)(?P<name>[A-Z][A-Z0-9_]*LITELLM[A-Z0-9_]*|LITELLM_[A-Z0-9_]+)(?=["'`}:])"""
)


class OtherLanguagesHandler:
    name = "other_languages"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_other_language(registry.parts(path))

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.shared_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        language = LANGUAGES.get(PurePath(path).suffix.lower(), "this language")
        index = LineIndex(text)
        urls = file_rules.urls(ctx)
        mentions_litellm = "litellm" in text.lower()
        findings: list[Finding] = []
        seen: set[tuple[int, str]] = set()

        def report(offset: int, what: str, message: str) -> None:
            line, column = index.position(offset)
            if (line, what) in seen:
                return
            seen.add((line, what))
            findings.append(
                make(
                    CODE,
                    message,
                    file=path,
                    line=line,
                    column=column,
                    fix=f"`code` does not rewrite {language}: change this place by hand together with the "
                    "rest of the connection, or keep the whole connection on the proxy.",
                )
            )

        for m in _VAR_RE.finditer(text):
            name = m.group("name")
            new = file_rules.rename_env(name, ctx)
            if new is not None:
                report(m.start("name"), name, f"{language} reads {name}, which `code` renames to {new}")
        for m in URL_RE.finditer(text):
            url = m.group(0).rstrip(".,;")
            kind = urls.classify(url)
            llm = mentions_litellm or urls.has_llm_path(url)
            if kind is UrlKind.STRONG or (kind is UrlKind.CANDIDATE and llm):
                report(m.start(), url, f"{language} code uses the LiteLLM proxy's URL {url}")
        findings.sort(key=Finding.sort_key)
        return RewriteResult(text=text, findings=findings)


HANDLER = OtherLanguagesHandler()
