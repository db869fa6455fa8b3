"""Walk the paths given to `code`: .gitignore files (pathspec), --include/--exclude globs (exclude wins),
folders that are never the team's own code (virtualenvs, node_modules, build output, vendored code), and
symlinks, which are never followed out of the root (a symlinked file inside the root is visited once,
as its target, so a write replaces the real file and not the link).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmgw_migrate.errors import UserError

if TYPE_CHECKING:
    import pathspec  # imported where a pattern or .gitignore is read: most folders have none

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "__pycache__",
        ".venv",
        "venv",
        ".env",
        "env",
        "virtualenv",
        ".virtualenv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".eggs",
        "site-packages",
        "dist-packages",
        "build",
        "dist",
        "_build",
        "out",
        ".next",
        ".nuxt",
        ".output",  # Nuxt 3 / Nitro
        ".svelte-kit",
        ".docusaurus",
        ".angular",
        ".expo",
        ".vercel",
        ".netlify",
        ".wrangler",
        ".serverless",
        ".aws-sam",
        "storybook-static",
        ".turbo",
        ".parcel-cache",
        ".cache",
        "target",
        "coverage",
        "htmlcov",
        "vendor",
        "vendored",
        "_vendor",
        "third_party",
        "third-party",
        "Pods",
        ".terraform",
        ".idea",
        ".ipynb_checkpoints",
        ".venvs",
    }
)


def _dist_named(name: str) -> bool:
    """Build output named after dist: `dist-electron`, `dist-ssr`, `webui-dist` (dist-packages is
    skipped by name above, and its site-packages files are still looked into)."""
    return name.startswith("dist-") or name.endswith("-dist")


# Folders named like this are skipped only when they look generated, never by name alone.
_ENV_MARKERS = ("pyvenv.cfg", "conda-meta")
# Found even inside skipped folders: what litellm 1.82.8 (credential stealer) dropped into site-packages.
# Python runs a .pth only from a site-packages folder itself, so only those places are looked at.
ALWAYS_NAMES = ("litellm_init.pth",)
_SITE_DIRS = ("site-packages", "dist-packages")
_SITE_GLOBS = tuple(
    f"{lib}/{sub}/{site}"
    for lib in ("lib", "lib64", "Lib", "local/lib")
    for sub in ("python*", "")
    for site in _SITE_DIRS
)


@dataclass
class Discovered:
    # resolved-safe paths, in walk order (sorted later); strings, because a monorepo has a great many
    files: list[str] = field(default_factory=list)
    skipped_symlinks: list[Path] = field(default_factory=list)
    followed_symlinks: int = 0  # links to files inside the root, visited as their targets


def _spec(patterns: Sequence[str]) -> pathspec.PathSpec | None:
    cleaned = [p for p in patterns if p.strip()]
    if not cleaned:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(cleaned)
    except Exception as exc:  # pathspec raises various errors for a bad pattern
        raise UserError(f"invalid glob pattern: {exc}") from None


def _read_gitignore(directory: Path) -> pathspec.PathSpec | None:
    lines: list[str] = []
    for name in (".gitignore",):
        p = directory / name
        if p.is_file():
            try:
                lines += p.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                pass
    info_exclude = directory / ".git" / "info" / "exclude"
    if info_exclude.is_file():
        try:
            lines += info_exclude.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            pass
    if not lines:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:
        return None  # an unreadable .gitignore must not stop the run


class Walker:
    def __init__(
        self,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        respect_gitignore: bool = True,
    ) -> None:
        self.include = _spec(include)
        self.exclude = _spec(exclude)
        self.respect_gitignore = respect_gitignore

    def _selected(self, rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        if self.exclude is not None and self.exclude.match_file(probe):
            return False
        if is_dir or self.include is None:
            return True
        return self.include.match_file(rel)

    def walk(self, paths: Sequence[Path]) -> Discovered:
        out = Discovered()
        seen: set[str] = set()
        for given in paths:
            if not given.exists() and not given.is_symlink():
                raise UserError("no such file or directory", given)
            if given.is_dir():
                walked = list(self._walk_dir(given, out))
                if len(paths) == 1 and not out.followed_symlinks:
                    out.files.extend(walked)  # one root, no links: every path is already unique
                    continue
                for f in walked:
                    # The same file reached twice (overlapping roots, a link to a file in the root).
                    key = os.path.realpath(f)
                    if key not in seen:
                        seen.add(key)
                        out.files.append(f)
            else:
                # A file named on the command line is taken as given, but excludes still apply.
                rel = given.name
                if self.exclude is not None and (
                    self.exclude.match_file(rel) or self.exclude.match_file(given.as_posix())
                ):
                    continue
                real = given.resolve()
                if str(real) not in seen:
                    seen.add(str(real))
                    out.files.append(str(real if given.is_symlink() else given))
        return out

    def _walk_dir(self, root: Path, out: Discovered) -> Iterator[str]:
        root_real = root.resolve()
        # (directory, its path relative to root, gitignore specs that apply with their base dirs)
        top_dir = "" if str(root) == "." else str(root)  # children of "." are "a", as Path(".") / "a" is
        stack: list[tuple[str, str, list[tuple[str, pathspec.PathSpec]]]] = [(top_dir, "", [])]
        if self.respect_gitignore:
            # .gitignore files above the root (up to the repository top) apply too.
            inherited: list[tuple[str, pathspec.PathSpec]] = []
            top = _repo_top(root_real)
            if top is not None and top != root_real:
                chain = []
                d = root_real.parent
                while True:
                    chain.append(d)
                    if d == top or d.parent == d:
                        break
                    d = d.parent
                for d in reversed(chain):
                    spec = _read_gitignore(d)
                    if spec is not None:
                        inherited.append(("^" + root_real.relative_to(d).as_posix() + "/", spec))
            if inherited and self._ignored_root(inherited):
                # The user named a folder git ignores (a vendored tree, a virtualenv): walk it anyway,
                # with only the .gitignore files inside it.
                inherited = []
            stack = [(top_dir, "", inherited)]
        while stack:
            directory, rel_dir, specs = stack.pop()
            try:
                entries = sorted(os.scandir(directory or "."), key=lambda e: e.name)
            except OSError:
                continue
            if self.respect_gitignore and any(e.name in (".gitignore", ".git") for e in entries):
                spec = _read_gitignore(Path(directory or "."))
                if spec is not None:
                    specs = [*specs, (rel_dir, spec)]  # patterns relative to this directory
            subdirs: list[tuple[str, str, list[tuple[str, pathspec.PathSpec]]]] = []
            prefix = directory + os.sep if directory else ""
            for entry in entries:
                rel = f"{rel_dir}{entry.name}"
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file(follow_symlinks=False)
                except OSError:
                    continue
                if is_link:
                    path = Path(entry.path)
                    try:
                        target = path.resolve(strict=True)
                    except (OSError, RuntimeError):
                        out.skipped_symlinks.append(path)
                        continue
                    if not target.is_relative_to(root_real) or target.is_dir():
                        # Out of the root: never followed. Directory links inside the root: the real
                        # folder is walked anyway, following would only visit files twice (or loop).
                        out.skipped_symlinks.append(path)
                        continue
                    if self._ignored(rel, False, specs) or not self._selected(rel, False):
                        continue
                    out.followed_symlinks += 1
                    yield str(target)
                    continue
                if is_dir:
                    if (
                        entry.name in SKIP_DIRS
                        or entry.name.endswith(".egg-info")
                        or _dist_named(entry.name)
                        or any(os.path.exists(os.path.join(entry.path, m)) for m in _ENV_MARKERS)
                        or self._ignored(rel, True, specs)
                    ):
                        if self._selected(rel, True):
                            yield from self._always_files(entry.path, rel + "/")
                        continue
                    if not self._selected(rel, True):
                        continue
                    subdirs.append((prefix + entry.name, rel + "/", specs))
                elif is_file:
                    if self._ignored(rel, False, specs) or not self._selected(rel, False):
                        continue
                    yield prefix + entry.name
            stack.extend(reversed(subdirs))

    def _always_files(self, directory: str, rel_dir: str) -> Iterator[str]:
        """ALWAYS_NAMES files in the site-packages folders of a skipped folder (a virtualenv, a
        site-packages), found with a few stats and globs rather than a walk of the whole tree."""
        import glob

        name = os.path.basename(directory)
        sites = [directory] if name in _SITE_DIRS else []
        for pattern in _SITE_GLOBS:
            sites += sorted(glob.glob(os.path.join(glob.escape(directory), pattern)))
        for site in dict.fromkeys(sites):
            for wanted in ALWAYS_NAMES:
                path = os.path.join(site, wanted)
                if os.path.isfile(path) and not os.path.islink(path):
                    rel = rel_dir + os.path.relpath(path, directory).replace(os.sep, "/")
                    if self._selected(rel, False):
                        yield path

    def _ignored_root(self, specs: list[tuple[str, pathspec.PathSpec]]) -> bool:
        """Whether the walk's root itself (or a folder above it, below the repo top) is ignored."""
        for base, spec in specs:
            parts = base[1:].rstrip("/").split("/")
            for i in range(1, len(parts) + 1):
                if spec.match_file("/".join(parts[:i]) + "/"):
                    return True
        return False

    def _ignored(self, rel: str, is_dir: bool, specs: list[tuple[str, pathspec.PathSpec]]) -> bool:
        """Git's rule: the last matching pattern wins, deeper .gitignore files after shallower ones."""
        if not self.respect_gitignore:
            return False
        ignored = False
        for base, spec in specs:
            # `base` is the spec folder's path relative to the root ("sub/"), or for a .gitignore above
            # the root, "../"-free: the root's path relative to that folder, marked by a leading "^".
            if base.startswith("^"):
                sub = base[1:] + rel
            elif rel.startswith(base):
                sub = rel[len(base) :]
            else:
                continue
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                ignored = bool(result.include)
        return ignored


def _repo_top(start: Path) -> Path | None:
    d = start
    while True:
        if (d / ".git").exists():
            return d
        if d.parent == d:
            return None
        d = d.parent
