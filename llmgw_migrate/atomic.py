"""Atomic file writes: a temp file in the same folder, then os.replace, so nothing is half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` atomically.

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
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_chunks_atomic(path: str | Path, chunks: Iterable[str], encoding: str = "utf-8") -> None:
    """Like write_text_atomic, for text produced piece by piece (a big report never held whole)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text_atomic(path: str | Path, text: str, mode: int | None = None, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding), mode=mode)
