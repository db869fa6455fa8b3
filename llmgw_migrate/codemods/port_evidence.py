"""What a repository itself says runs on port 8000: repository-wide evidence for the proxy-URL rules.

Port 8000 is the default of vLLM, uvicorn, gunicorn, FastChat, SGLang, LangServe apps, `manage.py
runserver` and `python -m http.server`; LiteLLM's proxy listens there only when started so (`litellm
--port 8000`, or the pre-1.0 CLI). A local :8000 URL is the proxy only when the repository does not start
another server there, or when it starts LiteLLM there explicitly (issue 11, class 5), and only when
something in the repository names LiteLLM at all (a config, a dependency or image, `litellm --port`, a
LITELLM_* variable): a vLLM or FastAPI project that never mentions LiteLLM has no proxy to migrate.

The scan is cheap and one-way: it reads only the small files where a repository says how it starts
its servers (scripts, Makefiles, Procfiles, Dockerfiles, compose and other YAML, docs, dependency
lists), and stops after a bounded number of files. Source files are read only for the two facts their
text alone gives: a LiteLLM mention, and a server the program starts itself on 8000
(`uvicorn.run(app, port=8000)`, `serve({fetch, port: 8000})`, `app.listen(8000)`).
`collect(paths)` returns the facts; `PortEvidence.not_proxy_ports()` is the decision the engine (or the
repository-wide connection model) applies to the URL rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_MAX_FILES = 400  # evidence files read per run (a monorepo's docs must not dominate the walk)
_MAX_BYTES = 256 * 1024
_EVIDENCE_NAMES = {"makefile", "procfile", "justfile", "taskfile", "dockerfile", "containerfile"}
_EVIDENCE_SUFFIXES = (".sh", ".bash", ".zsh", ".md", ".rst", ".yml", ".yaml", ".toml", ".cfg", ".ps1", ".bat")
_EVIDENCE_PREFIXES = ("dockerfile", "containerfile", "docker-compose", "compose", "requirements", "procfile")

# A server other than LiteLLM started on a line (its default port is 8000 unless the line names another).
_OTHER_SERVER = re.compile(
    r"\b(vllm\s+serve|vllm\.entrypoints|vllm/vllm-openai|uvicorn|gunicorn|fastapi\s+(?:dev|run)|"
    r"sglang\.launch_server|fastchat\.serve|text-generation-launcher|langserve|manage\.py\s+runserver|"
    r"http\.server|mkdocs\s+serve)\b",
    re.IGNORECASE,
)
_LITELLM_CMD = re.compile(r"\blitellm\b", re.IGNORECASE)
# Any mention of LiteLLM (LITELLM_API_KEY, litellm_config.yaml, ghcr.io/berriai/litellm, `import litellm`).
_LITELLM_NAME = re.compile(r"lite_?llm", re.IGNORECASE)
_MAX_SOURCES = 3000  # source files read for the two source facts
_SOURCE_SUFFIXES = (
    *(".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".ipynb", ".go", ".java", ".kt", ".rb"),
    *(".json", ".ini", ".conf", ".properties", ".tf", ".tfvars", ".hcl", ".env", ".envrc", ".txt"),
)
# A program starting its own server: the call, then (within its arguments) port 8000.
_SERVE_CALL = re.compile(
    r"\b(?:uvicorn\.run|app\.run|web\.run_app|serve|listen|Bun\.serve|ListenAndServe)\s*\(", re.IGNORECASE
)
_SERVE_PORT = re.compile(r"[^;]{0,300}?\bport\s*[=:]\s*8000\b|\s*[\"']?(?:[\w.]*:)?8000\b", re.DOTALL)
_PORT_FLAG = re.compile(r"(?:--port|--bind|-b|-p|port\s*=|:)\s*[=\s]?\s*[\"']?(?:[\w.]*:)?(\d{2,5})\b")


@dataclass
class PortEvidence:
    """Where the repository starts a server on port 8000 (`path:line` of each line that says so)."""

    litellm_on_8000: list[str] = field(default_factory=list)
    other_on_8000: list[str] = field(default_factory=list)
    # The first place the repository names LiteLLM at all (empty: it never does).
    litellm_named: list[str] = field(default_factory=list)

    def not_proxy_ports(self) -> tuple[int, ...]:
        """Candidate ports that, in this repository, belong to another server and not to the proxy."""
        if not self.litellm_named:
            return (8000,)  # LiteLLM listens on 8000 only when told so: without a word of it, another server
        if self.other_on_8000 and not self.litellm_on_8000:
            return (8000,)
        return ()


def is_evidence_file(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name in _EVIDENCE_NAMES or name.endswith(_EVIDENCE_SUFFIXES) or name.startswith(_EVIDENCE_PREFIXES)


def _ports(line: str) -> set[int]:
    return {int(m) for m in _PORT_FLAG.findall(line)}


def scan_text(path: str, text: str, into: PortEvidence) -> None:
    """Add the facts of one file's text to `into`."""
    if not into.litellm_named and (m := _LITELLM_NAME.search(text)):
        into.litellm_named.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}")
    if "8000" not in text and not _OTHER_SERVER.search(text):
        return
    for n, line in enumerate(text.splitlines(), 1):
        other = _OTHER_SERVER.search(line)
        if other is None and not _LITELLM_CMD.search(line):
            continue
        ports = _ports(line)
        where = f"{path}:{n}"
        if other is not None:
            # A server's default port is 8000; a line naming another port only is not about 8000.
            if not ports or 8000 in ports:
                into.other_on_8000.append(where)
        elif 8000 in ports and re.search(r"\blitellm\b[^\n]*--port[=\s]+8000\b", line, re.IGNORECASE):
            into.litellm_on_8000.append(where)


def scan_source(path: str, text: str, into: PortEvidence) -> None:
    """Add the facts of one source file: a LiteLLM mention, a server it starts on 8000."""
    if not into.litellm_named and (m := _LITELLM_NAME.search(text)):
        into.litellm_named.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}")
    if "8000" not in text:
        return
    for m in _SERVE_CALL.finditer(text):
        if _SERVE_PORT.match(text, m.end()):
            into.other_on_8000.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}")


def collect(paths: Iterable[str]) -> PortEvidence:
    """Scan the repository's evidence files among `paths` (the walked file list)."""
    evidence = PortEvidence()
    read = sources = 0
    for path in paths:
        if _LITELLM_NAME.search(path.replace("\\", "/").rsplit("/", 1)[-1]) and not evidence.litellm_named:
            evidence.litellm_named.append(path)
        if not is_evidence_file(path):
            name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
            readable = name.endswith(_SOURCE_SUFFIXES) or name.startswith(".env")
            if readable and sources < _MAX_SOURCES:
                sources += 1
                try:
                    with open(path, "rb") as fh:
                        scan_source(path, fh.read(_MAX_BYTES).decode("utf-8", "replace"), evidence)
                except OSError:
                    pass
            continue
        try:
            with open(path, "rb") as fh:
                data = fh.read(_MAX_BYTES)
        except OSError:
            continue
        read += 1
        scan_text(path, data.decode("utf-8", "replace"), evidence)
        if read >= _MAX_FILES:
            break
    return evidence
