"""TOML: pyproject.toml, Pipfile, fly.toml/netlify.toml `[env]`, .streamlit/secrets.toml, app settings.

tomlkit validates the file (a file that does not parse is reported with its line and column and left
alone) and re-parses the result (an edit that would break the file is dropped). The edits themselves
are splices of single string tokens found by a line scanner that knows tables, keys, strings and
arrays, so comments, alignment and quoting stay exactly as written. What changes:
- UPPER_CASE keys and keys under `[env]`-like tables: the shared setting rules;
- `NAME=value` strings in `env = [...]` arrays (pytest-env): likewise;
- URL strings under LLM-named keys or tables, LiteLLM-host URLs anywhere, $LITELLM_* references.
Dependencies: litellm in `[project]`, optional/dependency groups, Poetry and Pipfile tables: LGM320,
pinned 1.82.7/1.82.8: LGM321 (dependencies.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from llmgw_migrate.codemods import dependencies, file_rules, registry, secret_mask
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, finish
from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import URL_RE

_TABLE_RE = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(
    r"""^\s*(?P<key>(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*"""
)
_ENV_TABLES = {"env", "environment", "variables", "vars", "secrets"}
_DEP_TABLES = ("dependencies", "dev-dependencies", "packages", "dev-packages")
# Tables whose keys name an extra or a group, not a package: `litellm = ["litellm>=1.65"]` is one requirement.
_GROUP_TABLES = ("project.optional-dependencies", "tool.pdm.dev-dependencies")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class _Str:
    start: int  # token start (the quote)
    end: int
    value: str  # decoded (only strings without escapes are edited)
    raw_inner_start: int
    editable: bool


def _strings(text: str, i: int, end_of_value: bool) -> tuple[list[_Str], int]:
    """String tokens of the value starting at i (a scalar, an array or an inline table); returns the end."""
    out: list[_Str] = []
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            triple = text.startswith(c * 3, i)
            q = c * 3 if triple else c
            j = i + len(q)
            while j < n:
                if c == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(q, j):
                    break
                if not triple and text[j] == "\n":
                    return out, j  # unterminated: tomlkit has reported it already
                j += 1
            inner = text[i + len(q) : j]
            out.append(_Str(i, j + len(q), inner, i + len(q), not triple and ("\\" not in inner or c == "'")))
            i = j + len(q)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
            continue
        elif c == "\n" and depth <= 0:
            return out, i
        i += 1
    return out, n


class TomlHandler:
    name = "toml"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_toml(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        import tomlkit  # imported here: `code` on a repository without TOML never pays for it
        from tomlkit.exceptions import ParseError, TOMLKitError

        try:
            tomlkit.parse(text)
        except ParseError as exc:
            raise RewriteError(f"invalid TOML: {_reason(exc)}", exc.line, exc.col) from None
        index = LineIndex(text)
        llm_file = file_rules.llm_signals(text)
        prefix_vars = file_rules.origin_prefix_vars(text)
        name = PurePath(path).name
        deps_file = name in ("pyproject.toml", "Pipfile")
        edits: list[Edit] = []
        findings: list[Finding] = []
        table = ""
        taken = _keys_by_table(text)
        pos = 0
        n = len(text)
        while pos < n:
            eol = text.find("\n", pos)
            eol = n if eol == -1 else eol
            line = text[pos:eol]
            tm = _TABLE_RE.match(line)
            km = _KEY_RE.match(line) if not tm else None
            if tm:
                table = tm.group("name").replace(" ", "")
                pos = eol + 1
                continue
            if not km:
                pos = eol + 1
                continue
            key_path = [
                k.strip().strip("\"'")
                for k in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", km.group("key"))
            ]
            key = key_path[-1]
            parent = key_path[-2] if len(key_path) > 1 else table.split(".")[-1]
            strings, value_end = _strings(text, pos + km.end(), True)
            env_table = parent.lower() in _ENV_TABLES
            for s in strings:
                if deps_file:
                    findings += self._dependency(s, key, table, name, index, path)
                if (env_table or key.isupper()) and _ENV_NAME_RE.match(key) and len(strings) == 1:
                    res = file_rules.rewrite_assignment(
                        key, s.value, ctx, llm_file=llm_file, with_v1=file_rules.v1_for(key, prefix_vars, ctx)
                    )
                    names = taken.setdefault(table, set())
                    if res.new_key and km.group("key").strip() == key and res.new_key in names:
                        findings.append(
                            at(
                                "LGM308",
                                f"{key} -> {res.new_key} would duplicate a key; left as is",
                                path,
                                index,
                                pos + km.start("key"),
                            )
                        )
                    elif res.new_key and km.group("key").strip() == key:
                        names.add(res.new_key)
                        edits.append(
                            Edit(pos + km.start("key"), pos + km.start("key") + len(key), res.new_key)
                        )
                    if res.new_value is not None and s.editable:
                        edits.append(Edit(s.raw_inner_start, s.raw_inner_start + len(s.value), res.new_value))
                    findings += [at(c, m, path, index, pos + km.start("key")) for c, m in res.notes]
                elif "=" in s.value and key.lower() in ("env", "environment") and s.editable:
                    var, _, val = s.value.partition("=")
                    if _ENV_NAME_RE.match(var):
                        res = file_rules.rewrite_assignment(var, val, ctx, llm_file=llm_file)
                        new = f"{res.new_key or var}={res.new_value if res.new_value is not None else val}"
                        if new != s.value:
                            edits.append(Edit(s.raw_inner_start, s.raw_inner_start + len(s.value), new))
                        findings += [at(c, m, path, index, s.start) for c, m in res.notes]
                elif URL_RE.fullmatch(s.value.strip()) and s.editable:
                    llm = (
                        file_rules.is_llm_key(key)
                        or file_rules.is_llm_key(parent)
                        or file_rules.is_llm_key(table)
                    )
                    v1 = not (file_rules.origin_only_key(key) or file_rules.origin_only_key(parent))
                    res_url = file_rules.rewrite_url(s.value.strip(), ctx, llm_context=llm, with_v1=v1)
                    findings += [at(c, m, path, index, s.start) for c, m in res_url.notes]
                    if res_url.new is not None and res_url.new != s.value.strip():
                        i = s.raw_inner_start + s.value.index(s.value.strip())
                        edits.append(Edit(i, i + len(s.value.strip()), res_url.new))
                    elif res_url.candidate_left and llm_file:
                        findings.append(
                            at("LGM301", f"local address in {key} left unchanged", path, index, s.start)
                        )
                elif "$" in s.value and s.editable:
                    for r in file_rules.rename_refs(s.value, ctx):
                        edits.append(Edit(s.raw_inner_start + r.start, s.raw_inner_start + r.end, r.new))
            if deps_file and key == "litellm" and table.endswith(_DEP_TABLES) and table not in _GROUP_TABLES:
                spec = strings[0].value if strings else ""
                version = spec.lstrip("=").strip() if re.match(r"^(==)?\s*\d", spec) else None
                notes = dependencies.version_notes(version, name)
                findings += [at(c, m, path, index, pos + km.start("key")) for c, m in notes]
            nl = text.find("\n", value_end)
            pos = n if nl == -1 else max(eol, nl) + 1
        result = finish(text, edits, findings, index=index)
        if result.text != text:
            try:
                tomlkit.parse(result.text)
            except TOMLKitError as exc:  # never hand back a file that no longer parses
                raise RewriteError(f"the rewrite would not parse ({exc}); file left unchanged") from None
        return result

    def _dependency(
        self, s: _Str, key: str, table: str, name: str, index: LineIndex, path: str
    ) -> list[Finding]:
        in_deps = key in (
            "dependencies",
            "requires",
            "dev-dependencies",
            "constraint-dependencies",
        ) or table.startswith((*_GROUP_TABLES, "dependency-groups", "build-system"))
        if not in_deps:
            return []
        return [at(c, m, path, index, s.start) for c, m in dependencies.requirement_notes(s.value, name)]


def _keys_by_table(text: str) -> dict[str, set[str]]:
    """The bare keys each table already defines (so a rename never creates a duplicate)."""
    out: dict[str, set[str]] = {}
    table = ""
    for line in text.split("\n"):
        tm = _TABLE_RE.match(line)
        if tm:
            table = tm.group("name").replace(" ", "")
            continue
        km = _KEY_RE.match(line)
        if km:
            out.setdefault(table, set()).add(km.group("key").strip().strip("\"'"))
    return out


def _reason(exc: Exception) -> str:
    msg = str(exc)
    return re.sub(r"\s+at line \d+ col \d+$", "", msg)


HANDLER = TomlHandler()
