"""What a repository itself says runs on port 8000: repository-wide evidence for the proxy-URL rules.

Port 8000 is the default of vLLM, uvicorn, gunicorn, FastChat, SGLang, LangServe apps, `manage.py
runserver` and `python -m http.server`; LiteLLM's proxy listens there only when started so (`litellm
--port 8000`, or the pre-1.0 CLI). A local :8000 URL is the proxy only when the repository does not start
another server there, or when it starts LiteLLM there explicitly (issue 11, class 5), and only when
something in the repository names LiteLLM at all (a config, a dependency or image, `litellm --port`, a
LITELLM_* variable): a vLLM or FastAPI project that never mentions LiteLLM has no proxy to migrate.

The scan costs no read of its own (issue 11, "Speed stays"): the engine hands `Scan.add` the bytes its
prefilter read anyway, and reads itself only the few small files no handler takes but where a
repository says how it starts its servers (Procfiles, Windows scripts: `Scan.wants`). Evidence files
(scripts, Makefiles, Procfiles, Dockerfiles, compose and other YAML, docs, dependency lists) are scanned
line by line; source files only for the two facts their text alone gives: a LiteLLM mention, and a
server the program starts itself on 8000 (`uvicorn.run(app, port=8000)`, `serve({fetch, port: 8000})`,
`app.listen(8000)`). `PortEvidence.not_proxy_ports()` is the decision the engine applies to the URL
rules; only files that hold `HELD` can be affected by it (the engine rewrites those once it is known).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

HELD = b"8000"  # a file without it holds no URL on a port the evidence decides
_NL = b"\n"
_MAX_BYTES = 256 * 1024  # of a file's text scanned (the facts sit near the top; generated files are long)
_MAX_EXTRA = 200  # files read for the scan alone, per run (Procfiles, scripts no handler takes)
_EVIDENCE_NAMES = {"makefile", "procfile", "justfile", "taskfile", "dockerfile", "containerfile"}
_EVIDENCE_SUFFIXES = (".sh", ".bash", ".zsh", ".md", ".rst", ".yml", ".yaml", ".toml", ".cfg", ".ps1", ".bat")
_EVIDENCE_PREFIXES = ("dockerfile", "containerfile", "docker-compose", "compose", "requirements", "procfile")
# Evidence files no handler takes (Procfiles, requirements-dev.lock): the scan reads these itself.
_EXTRA_NAMES = ("procfile", "taskfile", "requirements")
_EXTRA_SUFFIXES = (".ps1", ".bat")
_EXTRA_MAX_SIZE = 64 * 1024

# A server other than LiteLLM started on a line (its default port is 8000 unless the line names another).
_OTHER_SERVER_SRC = (
    r"\b(vllm\s+serve|vllm\.entrypoints|vllm/vllm-openai|uvicorn|gunicorn|fastapi\s+(?:dev|run)|"
    r"sglang\.launch_server|fastchat\.serve|text-generation-launcher|langserve|manage\.py\s+runserver|"
    r"http\.server|mkdocs\s+serve)\b"
)
_OTHER_SERVER = re.compile(_OTHER_SERVER_SRC, re.IGNORECASE)
_OTHER_SERVER_B = re.compile(_OTHER_SERVER_SRC.encode(), re.IGNORECASE)
_LITELLM_CMD = re.compile(r"\blitellm\b", re.IGNORECASE)
# Any mention of LiteLLM (LITELLM_API_KEY, litellm_config.yaml, ghcr.io/berriai/litellm, `import litellm`).
_LITELLM_NAME = re.compile(r"lite_?llm", re.IGNORECASE)
_LITELLM_NAME_B = re.compile(rb"lite_?llm", re.IGNORECASE)
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

TEXT, SOURCE = 1, 2  # how a file is scanned: line by line (evidence files), or for the source facts


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


def kind_of(name: str) -> int:
    """TEXT, SOURCE or 0 (not scanned) for a file's name (lower case)."""
    if name in _EVIDENCE_NAMES or name.endswith(_EVIDENCE_SUFFIXES) or name.startswith(_EVIDENCE_PREFIXES):
        return TEXT
    if name.endswith(_SOURCE_SUFFIXES) or name.startswith(".env"):
        return SOURCE
    return 0


def is_evidence_file(path: str) -> bool:
    return kind_of(path.replace("\\", "/").rsplit("/", 1)[-1].lower()) == TEXT


def _ports(line: str) -> set[int]:
    return {int(m) for m in _PORT_FLAG.findall(line)}


def _named(path: str, text: str, into: PortEvidence) -> None:
    if not into.litellm_named and (m := _LITELLM_NAME.search(text)):
        into.litellm_named.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}")


def scan_text(path: str, text: str, into: PortEvidence) -> None:
    """Add the facts of one evidence file's text to `into`."""
    _named(path, text, into)
    _servers_in_text(path, text, into)


def scan_source(path: str, text: str, into: PortEvidence) -> None:
    """Add the facts of one source file: a LiteLLM mention, a server it starts on 8000."""
    _named(path, text, into)
    _servers_in_source(path, text, into)


def _servers_in_text(path: str, text: str, into: PortEvidence) -> None:
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


def _servers_in_source(path: str, text: str, into: PortEvidence) -> None:
    if "8000" not in text:
        return
    for m in _SERVE_CALL.finditer(text):
        if _SERVE_PORT.match(text, m.end()):
            into.other_on_8000.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}")


class Scan:
    """The evidence of one run, gathered from the bytes the walk reads anyway.

    For every walked file: `name(path, name)`; `add(path, name, data)` with the bytes when the file was
    read; `wants(name)` says whether the scan needs the bytes of a file nobody else reads (then
    `extra(path, name)` reads it, within bounds). Most files cost a substring search or two.
    """

    def __init__(self) -> None:
        self.evidence = PortEvidence()
        self._extra = 0

    def name(self, path: str, name: str) -> None:
        """A file named after LiteLLM (litellm_config.yaml) names it."""
        if not self.evidence.litellm_named and _LITELLM_NAME.search(name):
            self.evidence.litellm_named.append(path)

    def add(self, path: str, name: str, data: bytes) -> None:
        """Scan one file's bytes (`name` in lower case)."""
        kind = kind_of(name)
        if not kind:
            return
        if len(data) > _MAX_BYTES:
            data = data[:_MAX_BYTES]
        ev = self.evidence
        if not ev.litellm_named and (m := _LITELLM_NAME_B.search(data)):
            ev.litellm_named.append(f"{path}:{data.count(_NL, 0, m.start()) + 1}")
        # Decoded only when it may hold a fact (the substring searches skip nearly every file).
        if HELD in data or (kind == TEXT and _OTHER_SERVER_B.search(data)):
            text = data.decode("utf-8", "replace")
            (_servers_in_text if kind == TEXT else _servers_in_source)(path, text, ev)

    def wants(self, name: str) -> bool:
        """Whether a file no handler reads is an evidence file the scan reads itself (`name` lower case)."""
        return self._extra < _MAX_EXTRA and (name.startswith(_EXTRA_NAMES) or name.endswith(_EXTRA_SUFFIXES))

    def extra(self, path: str, name: str) -> None:
        self._extra += 1
        try:
            with open(path, "rb") as fh:
                data = fh.read(_EXTRA_MAX_SIZE)
        except OSError:
            return
        self.add(path, name, data)


def collect(paths: Iterable[str]) -> PortEvidence:
    """The evidence of the files `paths`, each read here (the engine instead passes what it read)."""
    scan = Scan()
    for path in paths:
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        scan.name(path, name)
        try:
            with open(path, "rb") as fh:
                data = fh.read(_MAX_BYTES)
        except OSError:
            continue
        scan.add(path, name.lower(), data)
    return scan.evidence
