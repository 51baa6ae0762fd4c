"""Lay the skeleton and the chosen subtrees out as the generated project, for Copier to render."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import FactoryError
from .manifest import ResolvedPart
from .paths import inside, same_file_key
from .sources import TemplateSource

# Build artefacts that may lie in a local factory checkout; never part of a project.
_JUNK = {"__pycache__", ".DS_Store", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class PlacedPart:
    """A part of the source as it landed in the project: its description, its folders, the files placed."""

    what: str
    source: str
    target: str
    files: tuple[str, ...]


def _walk_files(root: Path) -> list[PurePosixPath]:
    if root.is_file():
        return [PurePosixPath()]
    found: list[PurePosixPath] = []
    for directory, subdirectories, filenames in os.walk(root, followlinks=True):
        subdirectories[:] = sorted(name for name in subdirectories if name not in _JUNK)
        relative = PurePosixPath(Path(directory).relative_to(root).as_posix())
        found.extend(relative / name for name in sorted(filenames) if name not in _JUNK and not name.endswith(".pyc"))
    return found


def _excluded(relative: PurePosixPath, exclude: tuple[str, ...]) -> bool:
    return any(relative == PurePosixPath(path) or PurePosixPath(path) in relative.parents for path in exclude)


def stage_project(
    skeleton: Path,
    source: TemplateSource,
    parts: list[ResolvedPart],
    destination: Path,
    skeleton_path: Callable[[PurePosixPath], PurePosixPath | None] = lambda relative: relative,
) -> list[PlacedPart]:
    """Copy ``skeleton`` and every part into ``destination``, refusing two writers of one file; return the
    parts placed (an optional part the source lacks is not among them).

    ``skeleton_path`` says where a skeleton file goes (None: nowhere), for folders named by a condition.
    Two paths that differ only in case are one file on Windows and macOS, so they count as one file.
    """
    written: dict[str, tuple[PurePosixPath, str]] = {}
    resolved_destination = destination.resolve()

    def place(origin: Path, target: PurePosixPath, writer: str) -> None:
        key = same_file_key(str(target))
        if key in written:
            other, other_writer = written[key]
            same = f"'{target}'" if other == target else f"'{target}' and '{other}' (one file on Windows and macOS)"
            raise FactoryError(
                f"{source.description}: {writer} and {other_writer} both provide {same}; "
                "each project file must come from one place (fix the manifest)"
            )
        written[key] = (target, writer)
        destination_file = inside(destination, str(target), resolved_destination)
        destination_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(origin, destination_file)
        except OSError as error:
            raise FactoryError(
                f"{source.description}: could not read '{origin.name}' of {writer}: {error.strerror}"
            ) from None
        shutil.copymode(origin, destination_file)

    for relative in _walk_files(skeleton):
        target = skeleton_path(relative)
        if target is not None:
            place(skeleton / relative, target, "the factory skeleton")

    local_paths = source.materialise(parts)
    placed: list[PlacedPart] = []
    for part in parts:
        if part.source not in local_paths:
            continue  # an optional part the source does not have
        root = local_paths[part.source]
        files = []
        for relative in _walk_files(root):
            if not _excluded(relative, part.exclude):
                target = PurePosixPath(part.target) / relative
                place(root / relative, target, f"'{part.source}'")
                files.append(target.as_posix())
        placed.append(PlacedPart(part.what, part.source, part.target, tuple(files)))
    return placed
