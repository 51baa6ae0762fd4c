"""The on-disk cache of git template sources, written so that readers never see half an entry.

Every entry is built in a temporary sibling and renamed into place. Two processes that fill the same
entry at once both succeed: the first rename wins and the loser discards its copy, which holds the
same content because entries are keyed by immutable commits.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "MLOPS_FACTORY_CACHE_DIR"
CACHE_LAYOUT = "v1"


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
