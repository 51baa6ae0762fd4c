"""Render chosen files of one factory release for given answers, as `copier update` rendered them.

Used by migrations that must know what a release generates: Copier renders the old and the new release
in temporary folders during an update but removes them before the migrations run.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class RenderError(Exception):
    """The release could not be rendered; the message says why, in one sentence."""


def _pattern(path: str) -> str:
    """A gitignore pattern that matches exactly ``path`` from the project root."""
    escaped = "".join("\\" + char if char in "\\*?[]!# " else char for char in path)
    return "/" + escaped


def _extract(template: Path, revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(template), "archive", "--format=tar", revision], capture_output=True, check=False
    )
    if archive.returncode:
        reason = archive.stderr.decode(errors="replace").strip().splitlines() or ["no reason given"]
        raise RenderError(f"could not read factory release {revision}: {reason[-1]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def rendered_files(template: Path, revision: str, answers: Mapping[str, Any], paths: Iterable[str]) -> dict[str, bytes]:
    """What release ``revision`` of the factory checkout ``template`` generates at each of ``paths``.

    Paths the release does not generate for ``answers`` are absent from the result. Only the requested
    files are rendered (Copier still stages the whole project), so this costs about one second.
    """
    from copier import run_copy  # the Python running the migration is Copier's own

    wanted = sorted(set(paths))
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory(prefix="mlops-factory-release-") as folder:
        release, project = Path(folder, "factory"), Path(folder, "project")
        release.mkdir()
        _extract(template, revision, release)
        try:
            run_copy(
                str(release),
                project,
                data={key: value for key, value in answers.items() if not key.startswith("_")},
                defaults=True,
                overwrite=True,
                unsafe=True,
                quiet=True,
                skip_tasks=True,
                exclude=["*", *("!" + _pattern(path) for path in wanted)],
            )
        except Exception as error:  # any failure of the old code: the caller reports it in one sentence
            reason = str(error).strip().splitlines() or [type(error).__name__]
            raise RenderError(f"could not render factory release {revision}: {reason[-1]}") from error
        return {path: (project / path).read_bytes() for path in wanted if (project / path).is_file()}
