"""Which paths from a template source may be written, and the check that every write stays in its root.

A template source is untrusted input: its git tree entries, its cached listing and its manifest's
paths decide where the factory writes. ``path_problem`` is the first line of defence, applied before
anything is written; ``inside`` is the second, applied to every single write.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .errors import FactoryError

# Device names Windows refuses as a file name, with or without an extension (``con.txt`` too); the
# superscript digits count as digits there.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{device}{digit}" for device in ("com", "lpt") for digit in "123456789¹²³"}
)
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
# Names that are the repository's own folder on some file system: NTFS's 8.3 short name of ``.git``;
# HFS+ ignores the invisible format characters (category Cf) that could hide inside ``.git``.
_GIT_FOLDER_NAMES = frozenset({".git", "git~1"})
_DRIVE = re.compile(r"^[A-Za-z]:")


def _character_problem(name: str) -> str:
    for character in name:
        if character == "\\":
            return "has a backslash"
        if character in _WINDOWS_FORBIDDEN:
            return f"has the character {character!r}, which Windows does not allow in file names"
        category = unicodedata.category(character)
        if category == "Cs":
            return "is not UTF-8 text"
        if category in ("Cc", "Cf"):
            return "has a control or invisible formatting character"
    return ""


def name_problem(name: str) -> str:
    """Why one path component cannot be a file or folder name in a project, or ""."""
    if not name:
        return "has an empty component"
    if name == ".":
        return "has a '.' component"
    if name == "..":
        return "climbs out of the source with '..'"
    problem = _character_problem(name)
    if problem:
        return problem
    if name.endswith((".", " ")):
        return "has a name ending in a dot or a space, which Windows drops"
    if name.casefold() in _GIT_FOLDER_NAMES:
        return "has a '.git' component, which would reach into a git repository"
    if name.split(".", 1)[0].rstrip(" ").casefold() in _WINDOWS_DEVICES:
        return f"has the name {name!r}, which Windows reserves for a device"
    return ""


def path_problem(path: str) -> str:
    """Why ``path`` (POSIX, relative) cannot be written from a template source, or "" when it can.

    Allowed: a relative path of plain names. Refused: absolute paths, empty, '.' and '..' components,
    a '.git' component in any case, backslashes, control characters, characters and names Windows
    refuses, and names ending in a dot or a space.
    """
    if not path:
        return "is empty"
    if path.startswith("/") or _DRIVE.match(path):
        return "is absolute"
    for name in path.split("/"):
        problem = name_problem(name)
        if problem:
            return problem
    return ""


def same_file_key(path: str) -> str:
    """A key equal for two paths exactly when a case-insensitive file system (Windows, macOS) sees one file."""
    return unicodedata.normalize("NFC", path).casefold()


def listing_problem(files: Iterable[str]) -> tuple[str, str] | None:
    """The first (path, reason) that makes a source's file listing unusable, or None.

    Every path must pass ``path_problem``; no path may be both a file and a folder; and no two paths
    may name the same file or folder on a case-insensitive file system (Windows, macOS), where one
    would silently replace or merge with the other.
    """
    files = sorted(files)
    seen: dict[str, str] = {}
    folders: set[str] = set()
    for path in files:
        problem = path_problem(path)
        if problem:
            return path, problem
        names = path.split("/")
        prefixes = ["/".join(names[:depth]) for depth in range(1, len(names))]
        for prefix in [*(folder for folder in prefixes if folder not in folders), path]:
            key = same_file_key(prefix)
            if seen.setdefault(key, prefix) != prefix:
                return path, f"names the same file as {seen[key]!r} on Windows and macOS (they differ only in case)"
        folders.update(prefixes)
    clash = next((path for path in files if path in folders), None)
    if clash:
        return clash, "is both a file and a folder"
    return None


def same_names(found: Iterable[str], expected: Iterable[str]) -> bool:
    """Whether the paths a folder walk ``found`` are the ``expected`` ones (macOS may hand names back decomposed)."""
    found, expected = set(found), set(expected)
    if found == expected:
        return True
    return {unicodedata.normalize("NFC", path) for path in found} == {
        unicodedata.normalize("NFC", path) for path in expected
    }


def link_target_problem(target: str) -> str:
    """Why a symlink's target cannot be recreated from a source, or "" (``..`` is allowed in a target)."""
    if not target or target.startswith("/") or _DRIVE.match(target):
        return "is empty or absolute"
    for name in target.split("/"):
        problem = "" if name in (".", "..") else name_problem(name)
        if problem:
            return problem
    return ""


def inside(root: Path, relative: str, resolved_root: Path | None = None) -> Path:
    """``root / relative``, after making sure that the final path, links resolved, stays inside ``root``.

    The second line of defence behind ``path_problem``: raises ``FactoryError`` rather than write
    anywhere else. Pass ``resolved_root`` (``root.resolve()``) when checking many paths under one root.
    """
    target = root / relative
    base = resolved_root or root.resolve()
    if not target.resolve().is_relative_to(base):
        raise FactoryError(f"refused to write {relative!r}: it would land outside {root}")
    return target
