"""litellm as a dependency: requirements files, lock files, install commands, a checked-in litellm_init.pth.

No rewrite (removing a dependency is the user's call once no code imports it), only findings:
- `litellm` required anywhere: LGM320 (info);
- pinned (or locked) to 1.82.7 or 1.82.8, the releases that carried a credential stealer: LGM321 (error);
- a `litellm_init.pth` file (what 1.82.8 dropped into site-packages): LGM322 (error).
pyproject.toml and Pipfile are TOML and go through toml_files, which calls `requirement_notes` here;
Dockerfiles, shell scripts and notebooks call `install_command_notes` on their `pip install` lines.
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePath

from llmgw_migrate.codemods import file_rules, registry
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.file_rules import Note
from llmgw_migrate.codemods.findings_util import at, at_line
from llmgw_migrate.codemods.text_edits import LineIndex, finish
from llmgw_migrate.findings import Finding

_REQ_NAME_RE = re.compile(r"^\s*(?P<name>litellm)(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;#]*)", re.IGNORECASE)
_PIN_RE = re.compile(r"===?\s*v?(?P<version>[0-9][0-9A-Za-z.+!-]*)")
# In a command line: litellm, litellm[proxy], litellm==1.82.7, "litellm[proxy]>=1.80,<2"
_INSTALL_ARG_RE = re.compile(
    r"""(?<![\w./-])['"]?(?P<req>litellm(?:\[[^\]\s]*\])?(?:\s*(?:===?|>=|<=|~=|!=|<|>)\s*[0-9][\w.*+!-]*"""
    r"""(?:\s*,\s*(?:===?|>=|<=|~=|!=|<|>)\s*[0-9][\w.*+!-]*)*)?)['"]?(?![\w/-])""",
    re.IGNORECASE,
)
_INSTALLER_RE = re.compile(
    r"\b(?:pip3?|python3?\s+-m\s+pip|uv\s+pip|uv|poetry|pipx|pdm|conda|mamba)\s+(?:install|add)\b"
)


@functools.cache
def compromised_versions() -> frozenset[str]:
    return frozenset(str(v) for v in file_rules.data()["compromised_versions"])


def pinned_version(spec: str) -> str | None:
    m = _PIN_RE.search(spec)
    return m.group("version") if m else None


def version_notes(version: str | None, where: str) -> list[Note]:
    """Notes for a litellm requirement (`version`: the pinned or locked version, if any)."""
    if version in compromised_versions():
        return [
            (
                "LGM321",
                f"litellm {version} in {where} is a release that carried a credential stealer",
            )
        ]
    return [("LGM320", f"litellm is a dependency in {where}")]


def requirement_notes(requirement: str, where: str) -> list[Note]:
    """Notes for one PEP 508 requirement string; [] when it is not litellm."""
    m = _REQ_NAME_RE.match(requirement)
    if not m or (
        requirement[m.end("name") : m.end("name") + 1] not in ("", "[", " ", "=", "<", ">", "~", "!", ";")
    ):
        return []
    return version_notes(pinned_version(m.group("spec")), where)


def install_command_notes(command: str) -> list[tuple[int, Note]]:
    """`pip install litellm==1.82.7` and the like inside a shell command: (offset, note) pairs."""
    if "litellm" not in command.lower():
        return []
    inst = _INSTALLER_RE.search(command)
    if not inst:
        return []
    out = []
    for m in _INSTALL_ARG_RE.finditer(command, inst.end()):
        req = m.group("req")
        spec = req[len("litellm") :]
        if spec.startswith("["):
            spec = spec[spec.index("]") + 1 :]
        out.append((m.start("req"), version_notes(pinned_version(spec), "an install command")[0]))
    return out


_REQUIREMENTS_RE = registry.REQUIREMENTS_RE
_LOCK_NAMES = registry.LOCK_NAMES
# A locked package in poetry.lock / uv.lock / pdm.lock (TOML [[package]] tables).
_LOCK_ENTRY_RE = re.compile(
    r'^name\s*=\s*"litellm"\s*\n(?:[^\[\n].*\n)*?version\s*=\s*"(?P<version>[^"]+)"', re.M
)
_PIPFILE_LOCK_RE = re.compile(r'"litellm"\s*:\s*\{[^{}]*?"version"\s*:\s*"==(?P<version>[^"]+)"', re.S)


class DependenciesHandler:
    name = "dependencies"
    always_names = frozenset({registry.INIT_PTH})  # a candidate whatever it holds (discovery finds it too)

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_dependencies(registry.parts(path))

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.dependency_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        name = PurePath(path).name
        findings: list[Finding] = []
        index = LineIndex(text)
        if name == "litellm_init.pth":
            findings.append(at_line("LGM322", f"{name}: code that runs at every Python start", path, 1))
        elif name in _LOCK_NAMES:
            for m in _LOCK_ENTRY_RE.finditer(text):
                findings += [
                    at(c, msg, path, index, m.start()) for c, msg in version_notes(m.group("version"), name)
                ]
        elif name == "Pipfile.lock":
            for m in _PIPFILE_LOCK_RE.finditer(text):
                findings += [
                    at(c, msg, path, index, m.start()) for c, msg in version_notes(m.group("version"), name)
                ]
        else:
            offset = 0
            for line in text.split("\n"):
                stripped = line.split(" #", 1)[0]
                for code, msg in requirement_notes(stripped, name):
                    findings.append(at(code, msg, path, index, offset + len(line) - len(line.lstrip())))
                offset += len(line) + 1
        return finish(text, [], findings, index=index)


HANDLER = DependenciesHandler()
