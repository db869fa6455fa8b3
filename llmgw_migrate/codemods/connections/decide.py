"""Phase 2: group the facts into connections and decide, per connection, whether it migrates.

A connection is every part that shares a file with another of its parts, an env var name (by its base
name: VITE_LITELLM_API_KEY is LITELLM_API_KEY), a proxy origin, or a distinctive name bound to one of
them in one file and used in another (`LITELLM_BASE = os.environ[...]` in config.py,
`f"{LITELLM_BASE}/key/generate"` in admin.py, `from config import LITELLM_BASE`). Most repositories
have one.

It is held (nothing of it changes, one finding lists every part) when:
- a part sits in a file of a language `code` does not rewrite (a rename would leave it behind), or it
  has no proxy URL at all and the repository's docs (README.md) still tell the user its variables;
- a client of it takes its base URL from a hosted address the tool does not know as the proxy (beside a
  LiteLLM variable that would be renamed): the gateway key would go to the old proxy;
- routes appended to it are LiteLLM's admin or management API (/key/*, /team/*, /health, ...): the
  gateway has none of them, and LITELLM_MASTER_KEY must never be sent to it. Both uses of one URL
  cannot be told apart from here, so the whole connection stays on the proxy and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmgw_migrate.codemods.connections.collect import base_name
from llmgw_migrate.codemods.connections.model import COMMENT, Connection, FileFacts, Part

FOREIGN = "foreign"
ADMIN = "admin"
HOSTED = "hosted"
# Files whose admin routes are a client's (a script calling /key/generate), not the proxy's own
# deployment (a compose healthcheck of the litellm service, which decommissioning handles).
CLIENT_LANGS = ("python", "javascript", "shell", "foreign")


@dataclass
class Decision:
    connection: Connection
    hold: str | None = None  # None: the connection migrates whole
    # Files whose only use of the proxy is its admin API through names of their own: they stay on the
    # proxy (reported) while the rest migrates.
    admin_files: frozenset[str] = frozenset()

    @property
    def migrates(self) -> bool:
        return self.hold is None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def connections(all_facts: list[FileFacts]) -> list[Connection]:
    """The repository's connections, each with every part, in a stable order."""
    shared = frozenset(a for f in all_facts for a in f.aliases)
    # A commented-out setting (`# LITELLM_API_KEY=...`) joins the connection of a variable some file
    # really uses, so a held connection's finding lists it too; alone it makes no connection.
    live_envs = frozenset(
        "env:" + base_name(p.name)
        for f in all_facts
        for p in f.parts
        if p.kind == "env" and p.where != COMMENT
    )
    uf = _UnionFind()
    extra: dict[str, list[Part]] = {}
    for f in all_facts:
        node = "file:" + f.file
        uf.find(node)
        for key in _keys(f, shared, live_envs):
            uf.union(key, node)
        for name, part in f.appends:
            if name in shared:
                uf.union("alias:" + name, node)
                extra.setdefault(f.file, []).append(part)
        for name in f.uses & shared:  # `from app.settings import OPENAI_BASE` (another file binds it)
            uf.union("alias:" + name, node)
    groups: dict[str, list[FileFacts]] = {}
    for f in all_facts:
        groups.setdefault(uf.find("file:" + f.file), []).append(f)
    out: list[Connection] = []
    for members in groups.values():
        parts = [p for f in members for p in (*f.parts, *extra.get(f.file, ()))]
        if not any(p.kind in ("env", "url") and p.where != COMMENT for p in parts):
            continue
        parts.sort(key=lambda p: (p.file, p.line, p.kind, p.name))
        borrowing = frozenset(f.file for f in members if f.file in extra)
        out.append(Connection(parts, sorted(f.file for f in members), borrowing))
    out.sort(key=lambda c: c.files[0])
    return out


def _keys(f: FileFacts, shared: frozenset[str], live_envs: frozenset[str] = frozenset()) -> set[str]:
    out: set[str] = set()
    for p in f.parts:
        if p.where == COMMENT:
            if p.kind == "env" and "env:" + base_name(p.name) in live_envs:
                out.add("env:" + base_name(p.name))
            continue
        if p.kind == "env":
            out.add("env:" + base_name(p.name))
        elif (p.kind == "url" and not p.weak) or p.kind == "hosted":
            from llmgw_migrate.codemods.connections.model import origin

            out.add("url:" + origin(p.name))
    out.update("alias:" + a for a in f.aliases if a in shared)
    return out


def decide(conn: Connection, langs: dict[str, str]) -> Decision:
    if not conn.litellm:
        return Decision(conn, None)  # local addresses only: checked whole after the rewrites, not held
    if conn.foreign or conn.undocumented_rename:
        return Decision(conn, FOREIGN)
    if conn.hosted and any(p.kind == "env" and p.where != COMMENT for p in conn.parts):
        return Decision(conn, HOSTED)
    # (a liveness/readiness probe is no reason to stay: it gets LGM252 once the connection moves)
    admin = [p for p in conn.admin_routes if p.role == "admin" and langs.get(p.file) in CLIENT_LANGS]
    if not admin:
        return Decision(conn, None)
    separable = _admin_only_files(conn, {p.file for p in admin})
    if separable == {p.file for p in admin}:
        return Decision(conn, None, frozenset(separable))
    return Decision(conn, ADMIN)


def _admin_only_files(conn: Connection, files: set[str]) -> set[str]:
    """The files among `files` that call only the admin API and share no renamed variable with the rest
    (`PROXY = "http://litellm:4000"` and `${PROXY}/key/generate` with LITELLM_MASTER_KEY): keeping them
    on the proxy leaves every other part free to move."""
    from llmgw_migrate.codemods.file_rules import is_master_key

    out: set[str] = set()
    for f in files - conn.borrowing:
        mine = [p for p in conn.parts if p.file == f and p.where != COMMENT]
        if any(p.kind == "route" and p.role == "llm" for p in mine):
            continue
        if any(p.kind == "url" and p.role == "llm" for p in mine):
            continue
        if any(p.kind == "env" and not is_master_key(p.name) for p in mine):
            continue
        out.add(f)
    return out
