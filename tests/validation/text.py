"""Checks every text file of a generated project must pass, whatever its kind:
no template syntax left behind, no path of the machine that rendered it, nothing that looks like a secret."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from . import Finding

# GitHub Actions and Azure DevOps keep their own ${{ }} expressions; those are not leftovers.
_PIPELINE_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_SECRETS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |)PRIVATE KEY-----"),
    "storage account key": re.compile(r"AccountKey=[A-Za-z0-9+/]{40,}={0,2}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "client secret": re.compile(r"(?i)\b(client_?secret|password)\s*[:=]\s*['\"]?(?!\$|\{|<|\(|\s|$)[^\s'\"]{8,}"),
    "Azure DevOps PAT": re.compile(r"(?i)\bpat\s*[:=]\s*['\"]?[a-z0-9]{52}\b"),
}


def text_files(project: Path) -> Iterable[tuple[str, str]]:
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or relative.parts[0] == ".git":
            continue
        try:
            yield relative.as_posix(), path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary sample data


def validate_text(project: Path, machine_paths: Iterable[str] = ()) -> list[Finding]:
    """Leftover Jinja, paths of the rendering machine (``machine_paths``) and secret-looking values."""
    forbidden_paths = [path for path in machine_paths if path]
    findings: list[Finding] = []
    for relative, text in text_files(project):
        for number, line in enumerate(text.splitlines(), 1):
            if _LEFTOVER.search(_PIPELINE_EXPRESSION.sub("", line)):
                findings.append(Finding(relative, number, "text", f"template syntax left behind: {line.strip()[:80]}"))
            # Copier records where the template came from, as the user typed it: the one path allowed.
            recorded_source = relative == ".copier-answers.yml" and line.startswith("_src_path:")
            for machine_path in forbidden_paths:
                if machine_path in line and not recorded_source:
                    findings.append(Finding(relative, number, "text", f"path of the rendering machine: {machine_path}"))
            if ".stage" in line or "copier._vcs.clone" in line:
                findings.append(Finding(relative, number, "text", "names the factory's staging folder"))
            for kind, pattern in _SECRETS.items():
                if pattern.search(line):
                    findings.append(Finding(relative, number, "text", f"looks like a {kind}"))
    return findings
