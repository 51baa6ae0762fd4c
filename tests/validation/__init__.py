"""Offline validators for generated projects: one module per artifact kind.

Every validator takes a generated project's root and returns a list of ``Finding``s (empty when the
artifacts are fine). Findings carry the file (relative to the project) and, where the tool reports
it, the line, so a failure reads like a compiler error.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    validator: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: [{self.validator}] {self.message}"


def report(findings: list[Finding]) -> str:
    """Findings as a readable block for an assertion message."""
    ordered = sorted(
        findings, key=lambda finding: (finding.path, finding.line or 0, finding.validator, finding.message)
    )
    return "\n".join(str(finding) for finding in ordered)
