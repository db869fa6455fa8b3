"""The facts phase 1 collects and the connections phase 2 decides on (plain, picklable data)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where an occurrence sits: only `env` and `string` occurrences (and every one in a data file) are the
# variable or URL as the program uses it; a code identifier or a comment only mentions it.
STRING = "string"
CODE = "code"  # a bare identifier in code (a constant or field named like the variable)
COMMENT = "comment"
DATA = "data"  # a line of a data file (.env, YAML, JSON, TOML, shell, Dockerfile)


@dataclass(frozen=True, slots=True)
class Part:
    """One occurrence of a connection's part: an env var, a proxy URL or a route appended to it."""

    file: str  # display path
    line: int
    # "env" | "url" | "route" | "hosted" (a client's base URL at an unknown hosted address) | "key" (a
    # dotenv key a LiteLLM comment names) | "read" (a client setting a template reads from the environment)
    # | "docurl" (a request a documentation page shows, to an address the matcher may not know)
    kind: str
    name: str  # the variable, the URL, or the route's path
    role: str  # env: defined/read/set/deleted/listed/mentioned; route: llm/admin/probe; url: url
    where: str = DATA  # STRING / CODE / COMMENT / DATA
    rewritable: bool = True  # in a file of a language `code` rewrites
    weak: bool = False  # a local :4000/:8000 URL with no LiteLLM name beside it (maybe another server)
    doc: bool = False  # a variable a documentation page names (README.md: `export LITELLM_API_KEY=...`)

    @property
    def at(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        if self.kind == "env":
            return f"{self.at} {self.name} ({self.role})"
        if self.kind == "route":
            return f"{self.at} {self.role} route {self.name}"
        return f"{self.at} {self.name}"


@dataclass(slots=True)
class FileFacts:
    """What one file says about LiteLLM connections."""

    file: str
    lang: str
    rewritable: bool
    parts: list[Part] = field(default_factory=list)
    # Names bound in this file to a connection part (`BASE = os.environ["LITELLM_BASE_URL"]`,
    # `const base = process.env.LITELLM_BASE_URL`), so routes appended to them belong to it.
    aliases: set[str] = field(default_factory=set)
    # Routes appended to a name this file does not bind (it may be another file's alias).
    appends: list[tuple[str, Part]] = field(default_factory=list)
    # Distinctive names this file imports or reads as an attribute and does not bind
    # (`from app.settings import OPENAI_BASE`, `config.LITELLM_BASE_URL`): another file's alias, maybe.
    uses: set[str] = field(default_factory=set)
    # Aliases that hold the proxy's master key (`MASTER = os.environ["LITELLM_MASTER_KEY"]`).
    master: set[str] = field(default_factory=set)


@dataclass
class Connection:
    """One proxy connection across the repository: every part of it, in every file."""

    parts: list[Part]
    files: list[str]
    # Files that append routes to a name another file binds (`from config import BASE_URL`).
    borrowing: frozenset[str] = frozenset()

    @property
    def admin_routes(self) -> list[Part]:
        return [p for p in self.parts if p.kind == "route" and p.role in ("admin", "probe")]

    @property
    def hosted(self) -> list[Part]:
        """Client base URLs at a hosted address the tool does not know as the proxy."""
        return [p for p in self.parts if p.kind == "hosted"]

    @property
    def foreign(self) -> list[Part]:
        return [p for p in self.parts if not p.rewritable and p.where != COMMENT and not p.weak and not p.doc]

    @property
    def litellm(self) -> bool:
        """Whether something names LiteLLM or its proxy (not only a local :4000/:8000 address)."""
        return any(p.kind == "env" or (p.kind == "url" and not p.weak) for p in self.parts)

    @property
    def undocumented_rename(self) -> bool:
        """No proxy URL anywhere (the address comes from the environment) while the docs still name its
        variables: renaming them in code alone would leave the user setting the old names."""
        has_url = any(p.kind == "url" and p.where != COMMENT for p in self.parts)
        return not has_url and any(p.doc for p in self.parts) and any(not p.doc for p in self.parts)


def origin(url: str) -> str:
    """scheme://host:port of a URL, lower-case (what ties a URL's occurrences together)."""
    from urllib.parse import urlsplit

    try:
        s = urlsplit(url)
        return f"{s.scheme}://{s.netloc}".lower()
    except ValueError:
        return url.lower()
