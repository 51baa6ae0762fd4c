"""Every one of the 48 combinations passes every validator that applies to its artifacts."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from mlops_factory.axes import combinations
from test_matrix import in_group
from validation import report
from validation.project import validate_project, validators_for

COMBINATIONS = list(combinations())


@pytest.mark.slow
@pytest.mark.parametrize("combination", [in_group(c) for c in COMBINATIONS])
def test_every_artifact_passes_its_validator(rendered_project, copier_template, combination):
    project = rendered_project(combination)
    findings = validate_project(project, combination, machine_paths=[str(project), str(copier_template)])
    assert not findings, "\n" + report(findings)


@pytest.mark.parametrize("combination", [in_group(c) for c in COMBINATIONS[:: len(COMBINATIONS) // 6]])
def test_the_project_runs_the_same_validators_as_pre_commit_hooks(rendered_project, combination):
    project = rendered_project(combination)
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format"} <= hooks
    chosen = validators_for(combination)
    if "github" in chosen:
        assert {"check-github-workflows", "check-github-actions", "actionlint"} <= hooks
    else:
        assert "check-azure-pipelines" in hooks and "actionlint" not in hooks
    assert ("terraform-fmt" in hooks) == ("terraform" in chosen)
