"""The on-disk cache of git template sources, written so that readers never see half an entry.

Every entry is built in a temporary sibling (``.<name>.<random>.tmp``) and renamed into place. Two
processes that fill the same entry at once both succeed: the first rename wins and the loser discards
its copy, which holds the same content because entries are keyed by immutable commits. An entry found
damaged is renamed to such a temporary name before it is deleted, so readers never see half of it
either; temporaries a crashed run left behind are deleted once they are older than ``STALE_SECONDS``.
The cache is not trusted: sources.py checks each entry against git's object ids before using it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "MLOPS_FACTORY_CACHE_DIR"
CACHE_LAYOUT = "v1"
# A temporary entry older than this was left by a crash: a live run fills one within seconds.
STALE_SECONDS = 15 * 60


def cache_root() -> Path:
    """``$MLOPS_FACTORY_CACHE_DIR`` or the user cache dir, e.g. ``~/.cache/mlops-factory``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser() / CACHE_LAYOUT
    import platformdirs  # a Copier dependency; imported here to keep extension load cheap

    return Path(platformdirs.user_cache_dir("mlops-factory", appauthor=False)) / CACHE_LAYOUT


def short_hash(text: str, length: int = 20) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def fill_directory_atomically(path: Path, fill: Callable[[Path], None]) -> Path:
    """Create directory ``path`` by calling ``fill(temp_dir)`` and renaming the result into place.

    If ``fill`` raises, nothing is left behind. If another process created ``path`` meanwhile, its
    copy is kept and ours is discarded.
    """
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_dir = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        fill(temp_dir)
        try:
            os.rename(temp_dir, path)
        except OSError:
            if not path.is_dir():
                raise
    finally:
        if temp_dir.exists():
            shutil.rmtree(temp_dir, ignore_errors=True)
    return path


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")


def discard(path: Path) -> None:
    """Remove a damaged cache entry (file or folder): renamed aside first, so no reader sees half of it."""
    aside = _temporary_name(path)
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    if aside.is_dir() and not aside.is_symlink():
        shutil.rmtree(aside, ignore_errors=True)
    else:
        aside.unlink(missing_ok=True)


def remove_stale_temporaries(directory: Path, older_than: float = STALE_SECONDS) -> None:
    """Delete the ``.*.tmp`` files and folders in ``directory`` that a crashed run left behind.

    Only those older than ``older_than`` seconds go: a younger one may belong to a run filling the
    cache right now.
    """
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    deadline = time.time() - older_than
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime > deadline:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            continue  # another run cleaned it first
