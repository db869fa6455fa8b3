"""Atomic file writes: a temp file in the same folder, then os.replace, so nothing is half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


@contextlib.contextmanager
def _replacing(path: str | Path, mode: int | None) -> Iterator[int]:
    """A temp file beside `path` (yielded as an fd) that replaces `path` once the block succeeds.

    `mode`: permission bits for the result. When None, an existing file keeps its mode and a new one gets
    the usual 0o666 & ~umask. Pass 0o600 for files that hold secrets: the temp file is created 0600 by
    mkstemp, so the secret is never readable by others, not even for a moment.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        yield fd
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes_atomic(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` atomically (`mode` as in `_replacing`)."""
    with _replacing(path, mode) as fd, os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_chunks_atomic(
    path: str | Path, chunks: Iterable[str], encoding: str = "utf-8", mode: int | None = None
) -> None:
    """Like write_text_atomic, for text produced piece by piece (a big report never held whole)."""
    with _replacing(path, mode) as fd, os.fdopen(fd, "w", encoding=encoding) as fh:
        for chunk in chunks:
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(path: str | Path, text: str, mode: int | None = None, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding), mode=mode)
