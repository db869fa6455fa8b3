"""The JavaScript/TypeScript handler (.js .mjs .cjs .jsx .ts .mts .cts .tsx): parse with tree-sitter, run the
passes in order (clients, URLs, proxy clients, env reads, requests), apply the edits.

Never a regex over source: the tree says what each string is (a client option, a variable's value, a
fetch URL, a request's `model`), and each change is a byte-range splice of one string's contents or
one identifier, so formatting, quotes and comments stay. What changes:
- clients pointed at the proxy: `new OpenAI({ baseURL })`, `AzureOpenAI`, `Anthropic` (origin, no /v1),
  LangChain `ChatOpenAI({ configuration: { baseURL } })` / `OpenAIEmbeddings`, Vercel AI SDK
  `createOpenAI({ baseURL })` / `createOpenAICompatible` / `createAnthropic`: the base URL, whether a
  literal, a constant defined in the file (`const LITELLM_URL = "..."`) or an env default
  (`process.env.X ?? "http://localhost:4000"`);
- `fetch()`/axios/ky calls to the proxy (a LiteLLM URL, an LLM API path, or a base constant used as
  `${BASE}/v1/chat/completions`, which then stays an origin);
- env reads `process.env.LITELLM_*`, `process.env["..."]`, `import.meta.env.VITE_LITELLM_*`,
  `Deno.env.get("...")`, destructuring `const { LITELLM_API_KEY } = process.env`, and a helper's
  `getEnv("LITELLM_*")` once the file reads a LITELLM_* name through it with a proxy-URL fallback
  or argument (`getEnv("LITELLM_API_BASE") || "http://0.0.0.0:4000"`); LITELLM_MASTER_KEY
  only where it is sent as a client key (apiKey, Authorization/Bearer);
- model names from the plan in calls that go through such a client: `client.chat.completions.create(
  { model })`, `embeddings.create`, `responses.create`, `messages.create`, LangChain `model`/`modelName`,
  Vercel `provider("name")` / `provider.chat("name")`, and `JSON.stringify({ model })` bodies of fetch calls
  to the proxy; `"x-litellm-api-key"` headers -> `"x-api-key"`.
Findings: dropped request fields (LGM330), legacy completions (LGM331), names the plan (or no plan)
does not map (LGM332), placeholder models (LGM359), `x-litellm-*` header reads (LGM333), AzureOpenAI at
the proxy (LGM334), plan names sent through a client built elsewhere (LGM335), a proxy client without
apiKey (LGM336), LiteLLM-only routes (LGM304).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import registry, secret_mask
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at_line
from llmgw_migrate.codemods.javascript.clients import (
    collect_values,
    find_clients,
    find_fetches,
    propagate,
    resolve_proxy_clients,
)
from llmgw_migrate.codemods.javascript.env_vars import find_env_readers, rewrite_env
from llmgw_migrate.codemods.javascript.request_calls import rewrite_requests
from llmgw_migrate.codemods.javascript.state import Analysis
from llmgw_migrate.codemods.javascript.syntax import SUFFIX_LANG, parser, walk
from llmgw_migrate.codemods.javascript.urls import rewrite_urls, strip_doubled_v1
from llmgw_migrate.codemods.text_edits import Suppressions, apply_edits
from llmgw_migrate.findings import Finding

if TYPE_CHECKING:
    from tree_sitter import Node


class JavaScriptHandler:
    name = "javascript"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_javascript(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.javascript_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        lang = SUFFIX_LANG.get(PurePath(path).suffix.lower(), "javascript")
        src = text.encode("utf-8")
        tree = parser(lang).parse(src)
        if tree.root_node.has_error:
            bad = _first_error(tree.root_node)
            row, col = bad.start_point if bad is not None else (0, 0)
            if _minified_line(text, row):
                # The grammar rejects valid syntax bundlers emit (`import{in as l}`, String.raw`\uc1`):
                # build output is left alone with a note, not reported as broken.
                msg = f"minified {lang} the parser cannot read; left unchanged"
                note = at_line("LGM341", msg, path, row + 1)
                return RewriteResult(text=text, findings=[note])
            raise RewriteError(f"does not parse as {lang}", row + 1, col + 1)
        a = Analysis(src=src, path=path, ctx=ctx)
        nodes = walk(tree.root_node)
        collect_values(a, nodes)
        find_env_readers(a, nodes)
        find_clients(a, nodes)
        find_fetches(a, nodes)
        propagate(a, nodes)
        rewrite_urls(a, nodes)
        resolve_proxy_clients(a)
        strip_doubled_v1(a, nodes)
        rewrite_env(a, nodes)
        rewrite_requests(a, nodes)
        sup = Suppressions(text)
        edits = a.edits
        if sup:
            edits = [e for e in edits if sup.edits_allowed(src.count(b"\n", 0, e.start) + 1)]
        findings = sorted((f for f in a.findings if sup.finding_allowed(f)), key=Finding.sort_key)
        new_src = apply_edits(src, edits) if edits else src
        return RewriteResult(text=new_src.decode("utf-8"), findings=findings)


_MINIFIED_LINE = 500  # characters; hand-written code is formatted far below this


def _minified_line(text: str, row: int) -> bool:
    """Whether line `row` (0-based) is minified build output."""
    start = 0
    for _ in range(row):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    end = text.find("\n", start)
    return (len(text) if end == -1 else end) - start >= _MINIFIED_LINE


def _first_error(node: Node) -> Node | None:
    for n in walk(node):
        if n.type == "ERROR" or n.is_missing:
            return n
    return None


HANDLER = JavaScriptHandler()
