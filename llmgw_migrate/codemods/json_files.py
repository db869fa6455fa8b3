"""JSON and JSONC files: env maps, URL settings, package.json scripts, devcontainer env.

Read with the span-keeping reader (json_spans); each changed string token is replaced in place, so
indentation, key order, comments (JSONC) and untouched escapes stay. What changes:
- environment maps (`env`, `environment`, `containerEnv`, `remoteEnv`, `variables`) and UPPER_CASE
  keys elsewhere: the shared setting rules (key renamed, URL, references, model settings);
- URL strings: LiteLLM hosts anywhere, local :4000/:8000 addresses under LLM-named keys
  (`litellmUrl`, `openai.baseUrl`, `llm: {"baseURL": ...}`); a `model` beside such a URL follows the plan;
- package.json `scripts` and other command strings: the shell rules;
- `${localEnv:LITELLM_API_KEY}` and other references: renamed.
Notebooks (.ipynb) belong to notebooks.py; lock files are skipped.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from llmgw_migrate.codemods import file_rules, registry, secret_mask, shell
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.json_spans import JValue, encode_string, parse_located
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, apply_edits, finish
from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import URL_RE

_ENV_KEYS = {
    "env",
    "environment",
    "containerenv",
    "remoteenv",
    "variables",
    "envvars",
    "environmentvariables",
}
_COMMAND_KEYS = {"scripts", "command", "commands", "postcreatecommand", "poststartcommand", "args"}
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SKIP_NAMES = registry.JSON_SKIP_NAMES


class JsonHandler:
    name = "json"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_json(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        root, index = parse_located(text, "JSON")
        walker = _Walker(text, path, ctx, index)
        walker.walk(root, [])
        return finish(text, walker.edits, walker.findings, index=index)


class _Walker:
    def __init__(self, text: str, path: str, ctx: RewriteContext, index: LineIndex) -> None:
        self.text = text
        self.path = path
        self.ctx = ctx
        self.index = index
        self.llm_file = file_rules.llm_signals(text)
        self.prefix_vars = file_rules.origin_prefix_vars(text)
        self.edits: list[Edit] = []
        self.findings: list[Finding] = []

    def note(self, code: str, msg: str, offset: int) -> None:
        self.findings.append(at(code, msg, self.path, self.index, offset))

    def replace_string(self, node: JValue, new: str) -> None:
        token = self.text[node.start : node.end]
        self.edits.append(Edit(node.start, node.end, encode_string(new, token)))

    def walk(self, node: JValue, path: list[str]) -> None:
        parent = path[-1] if path else ""
        if node.kind == "object":
            env_map = parent.lower() in _ENV_KEYS
            proxy_here = False
            taken = {str(k.value) for k, _ in node.pairs}
            llm_obj = file_rules.llm_settings_object({str(k.value): v.value for k, v in node.pairs})
            for key_node, value in node.pairs:
                key = str(key_node.value)
                if value.kind == "string" and (env_map or _ENV_NAME_RE.match(key)):
                    self.setting(key_node, value, taken)
                elif value.kind == "string" and URL_RE.fullmatch(str(value.value).strip()):
                    in_llm_obj = llm_obj and key in file_rules.BASE_URL_KEYS
                    proxy_here = self.url(value, key, parent, in_llm_obj) or proxy_here
                elif value.kind == "string" and (
                    parent.lower() in _COMMAND_KEYS or key.lower() in _COMMAND_KEYS
                ):
                    self.command(value)
                else:
                    self.walk(value, [*path, key])
            if proxy_here:
                for key_node, value in node.pairs:
                    if value.kind == "string" and str(key_node.value) in ("model", "modelName", "model_name"):
                        new = file_rules.model_for(str(value.value), self.ctx)
                        if new is not None:
                            self.replace_string(value, new)
        elif node.kind == "array":
            for item in node.items:
                if item.kind == "string" and parent.lower() in _COMMAND_KEYS:
                    self.command(item)
                else:
                    self.walk(item, [*path, parent])
        elif node.kind == "string":
            text_value = str(node.value)
            if URL_RE.fullmatch(text_value.strip()):
                self.url(node, parent, path[-2] if len(path) > 1 else "")
            elif "$" in text_value and "\n" not in text_value:
                # a multi-line string is documentation (an OpenAPI description), not a value read as env
                self.refs(node)

    def setting(self, key_node: JValue, value: JValue, taken: set[str]) -> None:
        key = str(key_node.value)
        res = file_rules.rewrite_assignment(
            key,
            str(value.value),
            self.ctx,
            llm_file=self.llm_file,
            with_v1=file_rules.v1_for(key, self.prefix_vars, self.ctx),
        )
        if res.new_key and res.new_key in taken:
            self.note("LGM308", f"{key} -> {res.new_key} would duplicate a key; left as is", key_node.start)
        elif res.new_key:
            taken.add(res.new_key)
            self.replace_string(key_node, res.new_key)
        if res.new_value is not None:
            self.replace_string(value, res.new_value)
        for code, msg in res.notes:
            self.note(code, msg, key_node.start)

    def url(self, node: JValue, key: str, parent: str, llm_object: bool = False) -> bool:
        """Rewrite a URL string; True when it was the proxy."""
        value = str(node.value).strip()
        llm = llm_object or file_rules.is_llm_key(key) or file_rules.is_llm_key(parent)
        v1 = not (file_rules.origin_only_key(key) or file_rules.origin_only_key(parent))
        res = file_rules.rewrite_url(value, self.ctx, llm_context=llm, with_v1=v1)
        for code, msg in res.notes:
            self.note(code, msg, node.start)
        if res.new is not None:
            if res.new != value:
                self.replace_string(node, str(node.value).replace(value, res.new, 1))
            return True
        if res.candidate_left and self.llm_file:
            self.note("LGM301", f"local address in {key or 'a value'} left unchanged", node.start)
        return value.startswith(self.ctx.base_url.rstrip("/"))

    def refs(self, node: JValue) -> None:
        value = str(node.value)
        renames = file_rules.rename_refs(value, self.ctx)
        if renames:
            self.replace_string(node, file_rules.apply_ref_renames(value, renames, self.ctx))

    def command(self, node: JValue) -> None:
        value = str(node.value)
        idx = LineIndex(value)
        res = shell.rewrite_commands(value, self.ctx, self.path, idx, llm_file=self.llm_file)
        if res.edits:
            self.replace_string(node, apply_edits(value, res.edits))
        # findings from inside a string are placed at the string's start
        for f in res.findings:
            self.note(f.code, f.message, node.start)


HANDLER = JsonHandler()
