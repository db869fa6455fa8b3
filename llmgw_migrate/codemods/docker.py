"""Dockerfiles: `ENV`/`ARG` settings, `RUN` commands, and images that are the LiteLLM proxy itself.

Instructions are read as Docker does (case-insensitive keyword, backslash continuations, `#` comment
lines). `ENV K=V ...`, legacy `ENV K V` and `ARG K=V` follow the shared setting rules; `RUN`, `CMD`,
`ENTRYPOINT` and `HEALTHCHECK` bodies go through the shell rules (references, cURL, pip install);
`FROM ghcr.io/berriai/litellm...` is a LiteLLM proxy image: LGM310 with the decommission steps.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules, registry, secret_mask, shell
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, finish
from llmgw_migrate.findings import Finding

if TYPE_CHECKING:
    from llmgw_migrate.codemods.engine import CodeRun

_INSTR_RE = re.compile(r"[ \t]*(?P<kw>[A-Za-z]+)(?:[ \t]+|$)")
_SETTING_RE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=")
_COMMAND_INSTRUCTIONS = {"RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "LABEL", "ONBUILD"}


_IMAGE_DEFAULT_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<image>[^}]+)\}$")


def is_litellm_image(image: str) -> bool:
    ref = image.strip().strip("'\"").lower()
    # image: ${LITELLM_IMAGE:-ghcr.io/berriai/litellm:main-stable} runs the proxy unless overridden
    default = _IMAGE_DEFAULT_RE.match(ref)
    if default:
        ref = default.group("image").strip()
    return any(
        ref == img or ref.startswith((img + ":", img + "@", img + "-"))
        for img in file_rules.data()["litellm_images"]
    )


def decommission_message(what: str, references: list[str]) -> str:
    refs = "; ".join(references) if references else "none found in this file"
    return f"{what} runs the LiteLLM proxy: decommission it after the switch. References: {refs}"


_SERVICE_RE = re.compile(r"^(?:compose service|[A-Za-z]+) '(?P<name>[^'\s]+)' runs the LiteLLM proxy")
_ELSEWHERE = " Elsewhere in the repository: "
MAX_REFERENCES = 20  # a finding message stays readable; the count says how many more


def repository_references(run: CodeRun, owner: str) -> list[Finding]:
    """LGM310 findings of handler-`owner` files completed with the references to the service (URLs with
    its name as host: `http://litellm:4000`, `//litellm/`) in every other file the run read."""
    out: list[Finding] = []
    by_file = {o.display: o for o in run.files}
    for f in run.findings:
        m = _SERVICE_RE.match(f.message) if f.code == "LGM310" else None
        o = by_file.get(f.file or "")
        if m is None or o is None or owner not in o.handlers or _ELSEWHERE in f.message:
            continue
        host = re.compile(rf"//{re.escape(m.group('name'))}(?=[:/\s\"'`]|$)", re.IGNORECASE | re.MULTILINE)
        refs: list[str] = []
        for other in run.files:
            if other.display == f.file:
                continue
            for hit in host.finditer(other.source):
                refs.append(f"{other.display}:{other.source.count(chr(10), 0, hit.start()) + 1}")
        if refs:
            shown = "; ".join(refs[:MAX_REFERENCES])
            more = f" (and {len(refs) - MAX_REFERENCES} more)" if len(refs) > MAX_REFERENCES else ""
            out.append(f.replace(message=f.message + _ELSEWHERE + shown + more))
    return out


class DockerHandler:
    name = "docker"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_docker(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx, "berriai")

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        index = LineIndex(text)
        llm_file = file_rules.llm_signals(text)
        prefix_vars = file_rules.origin_prefix_vars(text)
        edits: list[Edit] = []
        findings: list[Finding] = []
        for span in shell.logical_commands(text):
            m = _INSTR_RE.match(text, span.start, span.end)
            if not m:
                continue
            kw = m.group("kw").upper()
            body_start = m.end()
            if kw == "FROM":
                image = text[body_start : span.end].split()
                words = [w for w in image if not w.startswith("--")]
                if words and is_litellm_image(words[0]):
                    findings.append(
                        at(
                            "LGM310",
                            decommission_message(f"this image ({words[0]})", []),
                            path,
                            index,
                            body_start,
                        )
                    )
            elif kw in ("ENV", "ARG"):
                self._settings(
                    text, body_start, span.end, kw, ctx, path, index, edits, findings, llm_file, prefix_vars
                )
            elif kw in _COMMAND_INSTRUCTIONS:
                res = shell.rewrite_commands(
                    text, ctx, path, index, start=body_start, end=span.end, llm_file=llm_file
                )
                edits += res.edits
                findings += res.findings
        return finish(text, edits, findings, index=index)

    def _settings(
        self,
        text: str,
        start: int,
        end: int,
        kw: str,
        ctx: RewriteContext,
        path: str,
        index: LineIndex,
        edits: list[Edit],
        findings: list[Finding],
        llm_file: bool,
        prefix_vars: frozenset[str],
    ) -> None:
        pairs: list[tuple[str, int, int, int]] = []  # key, key offset, value start, value end
        i = start
        first = True
        while i < end:
            while i < end and text[i] in " \t\\\n":
                i += 1
            if i >= end:
                break
            j = shell._word_end(text, i, end)
            word = text[i:j]
            m = _SETTING_RE.match(word)
            if m:
                pairs.append((m.group("key"), i, i + m.end(), j))
            elif first and kw == "ENV" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                # legacy `ENV KEY value with spaces`: the value is the rest of the instruction
                vstart = j
                while vstart < end and text[vstart] in " \t":
                    vstart += 1
                pairs.append((word, i, vstart, end))
                break
            elif kw == "ARG" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                pairs.append((word, i, j, j))
            first = False
            i = j
        for key, kstart, vstart, vend in pairs:
            raw = text[vstart:vend]
            inner_off, inner = (
                (1, raw[1:-1]) if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else (0, raw)
            )
            res = file_rules.rewrite_assignment(
                key, inner, ctx, llm_file=llm_file, with_v1=file_rules.v1_for(key, prefix_vars, ctx)
            )
            if res.new_key:
                edits.append(Edit(kstart, kstart + len(key), res.new_key))
            if res.new_value is not None:
                edits.append(Edit(vstart + inner_off, vstart + inner_off + len(inner), res.new_value))
            findings.extend(at(code, msg, path, index, kstart) for code, msg in res.notes)


HANDLER = DockerHandler()
