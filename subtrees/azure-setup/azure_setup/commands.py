"""Running `az` and `gh`: found on PATH (az is az.cmd on Windows), never through a shell, output parsed as JSON.

Reads (show, list, check) always run. Changes (create, update, set, register, ...) run unless --dry-run,
which prints them instead. With --dry-run every call is printed, reads too, so the plan can be reviewed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import SetupError

INSTALL = {
    "az": "install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli)",
    "gh": "install the GitHub CLI (https://cli.github.com)",
}
NOT_FOUND_MARKERS = (
    "ResourceNotFound",
    "NotFound",
    "not found",
    "could not be found",
    "does not exist",
    "HTTP 404",
)
SIGNED_OUT_MARKERS = ("az login", "Please run 'az login'", "AADSTS700024", "gh auth login")


@dataclass(frozen=True)
class Result:
    """What a command printed; `dry_run` marks the stand-in result of a change that was only printed."""

    returncode: int
    stdout: str
    stderr: str
    dry_run: bool = False

    def json(self) -> Any:
        text = self.stdout.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise SetupError(f"expected JSON from the CLI, got: {text[:200]}") from None


def first_error_line(stderr: str) -> str:
    """The line of a CLI error that says what went wrong (az prints warnings and tracebacks around it)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("ERROR", "error", "HTTP")) or "(" in line and "Error" in line:
            return line.removeprefix("ERROR:").strip()
    return lines[-1] if lines else "no error message"


class Runner:
    """Runs the CLIs for bootstrap and preflight; `out` receives what --dry-run prints."""

    def __init__(self, dry_run: bool = False, out: TextIO | None = None) -> None:
        self.dry_run = dry_run
        self.out = out or sys.stdout
        self.changes: list[str] = []

    def executable(self, tool: str) -> str:
        found = shutil.which(tool)
        if not found:
            raise SetupError(f"`{tool}` is not on PATH: {INSTALL.get(tool, 'install it')}")
        return found

    def read(self, tool: str, *args: str, missing_ok: bool = False, stdin: str | None = None) -> Result | None:
        """Run a command that changes nothing. With `missing_ok`, a 'not found' answer gives None."""
        if self.dry_run:
            self._print("read", tool, args)
        result = self._run(tool, args, stdin)
        if result.returncode == 0:
            return result
        if missing_ok and any(marker in result.stderr for marker in NOT_FOUND_MARKERS):
            return None
        raise self._error(tool, args, result)

    def change(self, tool: str, *args: str, stdin: str | None = None, stand_in: Any = None) -> Result:
        """Run a command that changes Azure or the CI; with --dry-run print it and return `stand_in` as its output."""
        shown = shlex.join([tool, *args])
        self.changes.append(shown)
        if self.dry_run:
            self._print("change", tool, args, stdin)
            return Result(0, json.dumps(stand_in) if stand_in is not None else "", "", dry_run=True)
        result = self._run(tool, args, stdin)
        if result.returncode != 0:
            raise self._error(tool, args, result)
        return result

    def try_read(self, tool: str, *args: str) -> Result:
        """Run a command that changes nothing and hand back its result, failed or not (preflight's checks)."""
        if self.dry_run:
            self._print("read", tool, args)
        return self._run(tool, args, None)

    @contextmanager
    def json_file(self, data: Any) -> Iterator[str]:
        """A temporary JSON file for CLI options that take a file; removed afterwards."""
        handle, path = tempfile.mkstemp(prefix="azure-setup-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, indent=2)
            if self.dry_run:
                self.out.write(f"    {os.path.basename(path)}: {json.dumps(data, sort_keys=True)}\n")
            yield path
        finally:
            os.unlink(path)

    def _print(self, kind: str, tool: str, args: tuple[str, ...], stdin: str | None = None) -> None:
        prefix = "would run" if kind == "change" else "reads    "
        self.out.write(f"  {prefix}: {shlex.join([tool, *args])}\n")
        if stdin:
            self.out.write(f"    with input: {stdin}\n")

    def _run(self, tool: str, args: tuple[str, ...], stdin: str | None) -> Result:
        completed = subprocess.run(
            [self.executable(tool), *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=None if stdin is not None else subprocess.DEVNULL,
            check=False,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def _error(self, tool: str, args: tuple[str, ...], result: Result) -> SetupError:
        reason = first_error_line(result.stderr)
        if any(marker in result.stderr for marker in SIGNED_OUT_MARKERS):
            if tool == "gh":
                return SetupError(f"the GitHub CLI is not signed in ({reason}): run `gh auth login`")
            return SetupError(f"the Azure CLI is not signed in or its sign-in expired ({reason}): run `az login`")
        return SetupError(f"`{shlex.join([tool, *args[:4]])} ...` failed: {reason}")
