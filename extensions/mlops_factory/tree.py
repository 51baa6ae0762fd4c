"""The file listing of a template source, enough to decide which combinations it can build."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class SourceTree:
    """Every file path in a source (POSIX, relative to its root) and its symlinks' targets."""

    files: frozenset[str]
    symlinks: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def directories(self) -> frozenset[str]:
        found = {"."}
        for path in self.files:
            parent = posixpath.dirname(path)
            while parent and parent not in found:
                found.add(parent)
                parent = posixpath.dirname(parent)
        return frozenset(found)

    def contains(self, path: str) -> bool:
        return path in self.files or path in self.directories

    def files_under(self, path: str) -> list[str]:
        if path == ".":
            return sorted(self.files)
        if path in self.files:
            return [path]
        prefix = path.rstrip("/") + "/"
        return sorted(file for file in self.files if file.startswith(prefix))

    def escaping_symlink(self, paths: Iterable[str]) -> tuple[str, str, str] | None:
        """The first symlink under ``paths`` whose target leaves its own subtree.

        Returns (link path, link target, subtree) or None. A link may point anywhere inside the
        subtree it belongs to; anything else could read outside the source or outside what was
        fetched, so it is refused.
        """
        for root in paths:
            for link in self.files_under(root):
                if link not in self.symlinks:
                    continue
                target = self.symlinks[link]
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
                inside = root == "." or resolved == root or resolved.startswith(root.rstrip("/") + "/")
                escapes_source = resolved == ".." or resolved.startswith("../")
                if target.startswith("/") or escapes_source or not inside:
                    return link, target, root
        return None


def scan_directory(root: Path) -> SourceTree:
    """List a source that lies on disk (the built-in ``subtrees/``)."""
    files: set[str] = set()
    symlinks: dict[str, str] = {}
    # os.scandir's entries know their type without a stat call per file: the walk runs on every copy.
    pending = [("", os.fspath(root))]
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_symlink():
                    files.add(relative)
                    symlinks[relative] = os.readlink(entry.path)
                elif entry.is_dir():
                    pending.append((relative + "/", entry.path))
                else:
                    files.add(relative)
    return SourceTree(frozenset(files), symlinks)
