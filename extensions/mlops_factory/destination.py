"""The folder a project is generated into: checked before anything is written, and what lay there before."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# (size, modification time in ns) of a file: enough to tell whether the render wrote it.
FileStamp = tuple[int, int]


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _entries(folder: Path) -> list[str]:
    """What the folder holds besides a git repository's own `.git` (a fresh clone of an empty repository)."""
    return sorted(name for name in os.listdir(folder) if name != ".git")


def destination_problem(destination: Path, overwrite: bool) -> str:
    """Why a project cannot be generated into ``destination`` ("" when it can).

    A folder that holds files is refused unless ``overwrite`` is given, so that nothing the user had
    there is replaced or committed by surprise.
    """
    existing = _nearest_existing(destination.absolute())
    if existing != destination.absolute():
        if not existing.is_dir():
            return f"the destination {destination} cannot be created: {existing} is a file, not a folder"
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"the destination {destination} cannot be created: {existing} is not writable"
        return ""
    if not destination.is_dir():
        return f"the destination {destination} is a file: give a folder that does not exist yet, or an empty one"
    if not os.access(destination, os.W_OK | os.X_OK):
        return f"the destination {destination} is not writable: give a folder you can write to"
    entries = _entries(destination)
    if entries and not overwrite:
        example = entries[0] if len(entries) == 1 else f"{entries[0]} and {len(entries) - 1} more"
        return (
            f"the destination {destination} is not empty ({example}): give a new or empty folder, or pass "
            "--overwrite to generate into it (generated files replace files of the same name; the others "
            "stay out of the first commit)"
        )
    return ""


def inside_git_work_tree(folder: Path) -> bool:
    """Whether ``folder`` or a folder above it is a git work tree (the first commit is then left to the user)."""
    return any((parent / ".git").exists() for parent in (folder.absolute(), *folder.absolute().parents))


def file_stamps(folder: Path) -> dict[str, FileStamp]:
    """Every file under ``folder`` (outside `.git`), by relative POSIX path."""
    stamps: dict[str, FileStamp] = {}
    for directory, subdirectories, filenames in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if name != ".git"]
        for name in filenames:
            path = Path(directory, name)
            status = path.lstat()
            stamps[path.relative_to(folder).as_posix()] = (status.st_size, status.st_mtime_ns)
    return stamps


def untouched_files(folder: Path, before: dict[str, FileStamp]) -> list[str]:
    """The files of ``before`` that are still in ``folder`` as they were: the render did not write them."""
    untouched = []
    for relative, stamp in sorted(before.items()):
        try:
            status = (folder / relative).lstat()
        except OSError:
            continue
        if (status.st_size, status.st_mtime_ns) == stamp:
            untouched.append(relative)
    return untouched


# sparse_checkout.sh's variable for the folder it cloned into; copier takes the destination as an argument.
SPARSE_CHECKOUT_FOLDER = "git_folder_location"


def sparse_checkout_folder_problem(data: Mapping[Any, Any], destination: Path) -> str:
    """Why a data file's ``git_folder_location`` cannot be honoured ("" when it names the destination itself).

    sparse_checkout.sh made the project in ``<git_folder_location>/<project_name>``. Copier has its
    destination before it reads any answer, so a different folder there would be ignored without a word.
    """
    if SPARSE_CHECKOUT_FOLDER not in data:
        return ""
    value = data[SPARSE_CHECKOUT_FOLDER]
    if not isinstance(value, str):  # never printed: a YAML alias bomb would expand
        return (
            f"give the project folder as copier's destination argument, not as {SPARSE_CHECKOUT_FOLDER}: "
            f"remove {SPARSE_CHECKOUT_FOLDER} from the data file (it is not even a folder path)"
        )
    folder = Path(value).expanduser()
    name = data.get("project_name")
    meant = folder / name if isinstance(name, str) and name else None
    if meant is not None and meant.absolute() == destination.absolute():
        return ""
    meant_text = str(meant) if meant is not None else f"{folder}/<project_name>"
    return (
        f"give the project folder as copier's destination argument, not as {SPARSE_CHECKOUT_FOLDER}: the data file "
        f"asks for {meant_text} (sparse_checkout.sh's layout) and copier was given {destination}; remove "
        f"{SPARSE_CHECKOUT_FOLDER} from the data file and run copier copy with the folder you want as its last argument"
    )
