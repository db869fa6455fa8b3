"""Turn a pending rewrite (old text -> new text) into LGM200 findings, one per changed block.

The message shows what would change, with secret-looking literals masked: a hard-coded key that the
rewrite replaces must not reach a CI log.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from llmgw_migrate.findings import Finding, make

SNIPPET_MAX = 60
_PREFIXED_RE = re.compile(
    r"\b(?:sk|pk|rk|llmgtwy|llmgmk|ghp|gho|github_pat|xox[abp]|AKIA|AIza)[-_A-Za-z0-9]{8,}"
)
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[^\s'\"]+")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-+/=]{24,}")
_HEX_RE = re.compile(r"[0-9a-fA-F]{32,}")


_SEGMENT_RE = re.compile(r"[/_\-.=+]")


def _looks_random(token: str) -> bool:
    # Names, paths and model ids are short words between separators; keys have a long run of mixed-case
    # letters and digits, or of hex.
    for seg in _SEGMENT_RE.split(token):
        if len(seg) >= 16 and any(c.isupper() for c in seg) and any(c.islower() for c in seg):
            if any(c.isdigit() for c in seg):
                return True
        if len(seg) >= 32 and _HEX_RE.fullmatch(seg):
            return True
    return False


_SECRET_ASSIGN_RE = re.compile(
    r"(?i)(\b(?:[A-Z0-9_-]*[_-])?(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\b['\"]?\s*[=:]\s*['\"]?)"
    r"(?![$%{]|os\.environ|process\.env|None\b|null\b|\*\*\*)([^\s'\",;)]+)"
)


def redact(text: str) -> str:
    """Mask things that look like credentials (known key prefixes, bearer tokens, long random tokens,
    values assigned to a *_KEY / *_TOKEN / *_SECRET / *_PASSWORD name)."""
    text = _SECRET_ASSIGN_RE.sub(lambda m: m.group(1) + "***", text)
    text = _PREFIXED_RE.sub("***", text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + "***", text)
    return _TOKEN_RE.sub(lambda m: "***" if _looks_random(m.group(0)) else m.group(0), text)


def _snippet(text: str) -> str:
    text = redact(" ".join(text.split()))
    if len(text) > SNIPPET_MAX:
        text = text[: SNIPPET_MAX - 1] + "…"
    return text


@dataclass(frozen=True)
class Hunk:
    line: int  # 1-based line in the old text where the change starts
    old: list[str]
    new: list[str]

    def context(self) -> str:
        """What the fingerprint hashes: the changed text itself, so it moves with the code."""
        return "\n".join(self.old) + "\n=>\n" + "\n".join(self.new)


def hunks(old_text: str, new_text: str) -> list[Hunk]:
    old = old_text.splitlines()
    new = new_text.splitlines()
    out: list[Hunk] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        line = i1 + 1 if i1 < len(old) or not old else len(old)
        out.append(Hunk(line=line, old=old[i1:i2], new=new[j1:j2]))
    return out


_WORD_RE = re.compile(r"[\w:/.\-@]+|\s+|.")


def _changes(old: str, new: str) -> list[tuple[str, str]]:
    """The differing word runs of two lines, in order."""
    a, b = _WORD_RE.findall(old), _WORD_RE.findall(new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            before, after = "".join(a[i1:i2]).strip(), "".join(b[j1:j2]).strip()
            # `KEY:` -> `NEW_KEY:` reads better without the shared YAML colon (URLs keep theirs inside).
            while before and after and before[-1] == after[-1] and before[-1] in ":,;":
                before, after = before[:-1], after[:-1]
            out.append((before, after))
    return out


def describe(h: Hunk) -> str:
    if len(h.old) == len(h.new):
        changes: list[tuple[str, str]] = []
        for old, new in zip(h.old, h.new, strict=True):
            changes += [c for c in _changes(old, new) if c not in changes]
        parts = [
            f"`{_snippet(before)}` to `{_snippet(after)}`" if before else f"insert `{_snippet(after)}`"
            for before, after in changes[:3]
        ]
        more = f" (and {len(changes) - 3} more)" if len(changes) > 3 else ""
        return "`code --write` would change " + ", ".join(parts) + more
    if not h.new:
        return f"`code --write` would remove {len(h.old)} line(s) starting `{_snippet(h.old[0])}`"
    if not h.old:
        return f"`code --write` would insert {len(h.new)} line(s) starting `{_snippet(h.new[0])}`"
    return (
        f"`code --write` would replace {len(h.old)} line(s) starting `{_snippet(h.old[0])}` "
        f"with {len(h.new)} starting `{_snippet(h.new[0])}`"
    )


def pending_findings(file: str, old_text: str, new_text: str) -> list[tuple[Finding, str]]:
    """(LGM200 finding, fingerprint context) for each changed block of `file`."""
    out = []
    for h in hunks(old_text, new_text):
        finding = make("LGM200", describe(h), file=file, line=h.line, column=1)
        out.append((finding, h.context()))
    return out
