"""checkov over the generated Terraform and Bicep: no failed check, no file it cannot parse, and every
skipped check carries its reason in the code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

CHECKOV = Path(os.environ.get("MLOPS_FACTORY_CHECKOV", ROOT / ".venv-checkov/bin/checkov"))
FRAMEWORK = {"terraform": "terraform", "bicep": "bicep"}


def run_checkov(directory: Path, framework: str) -> list[dict]:
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: bash tests/run.sh installs it"
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            framework,
            "--skip-download",
            "--output",
            "json",
            "--quiet",
            "--compact",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    assert result.stdout.strip(), result.stderr
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.mark.slow
@pytest.mark.parametrize("infrastructure_version", ["terraform", "bicep"])
@pytest.mark.parametrize("private_networking", [False, True], ids=["public", "private-networking"])
def test_checkov_passes_the_generated_infrastructure(copier, tmp_path, infrastructure_version, private_networking):
    project = copier.copy(
        tmp_path / "project",
        infrastructure_version=infrastructure_version,
        project_type="cv",
        private_networking=private_networking,
        alert_email="ml-team@contoso.com" if private_networking else "",  # with and without the action group
    ).path
    reports = run_checkov(project / "infrastructure", FRAMEWORK[infrastructure_version])
    failed = [check for report in reports for check in report.get("results", {}).get("failed_checks", [])]
    assert not failed, "\n".join(
        f"{check['file_path']}:{check['file_line_range'][0]} {check['check_id']} {check['check_name']}"
        for check in failed
    )
    for report in reports:
        assert report.get("summary", {}).get("parsing_errors", 0) == 0, report.get("summary")
    skipped = [check for report in reports for check in report.get("results", {}).get("skipped_checks", [])]
    unexplained = [
        check["check_id"] for check in skipped if not (check.get("check_result") or {}).get("suppress_comment")
    ]
    assert not unexplained, f"skipped without a reason in the code: {unexplained}"
    passed = sum(report.get("summary", {}).get("passed", 0) for report in reports)
    assert passed > 0, "checkov checked nothing"
