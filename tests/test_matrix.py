"""All 48 combinations render from the built-in source with the files their answers call for."""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT
from mlops_factory.axes import AXES, combination_id, combinations, mlops_family
from validation import report
from validation.text import validate_text

COMBINATIONS = list(combinations())
COMBINATIONS_PAGE = ROOT / "docs" / "combinations.md"


def documented_file_counts() -> dict[tuple[str, ...], int]:
    """The files column of docs/combinations.md, per (infrastructure, type, MLOps version, orchestration)."""
    counts = {}
    for line in COMBINATIONS_PAGE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 9 and cells[0].isdigit():
            counts[tuple(cells[1:5])] = int(cells[8])
    return counts


SKELETON = {"README.md", ".copier-answers.yml", "config-infra-dev.yml", "config-infra-prod.yml", ".gitignore"}


def expected_files(combination: dict[str, str]) -> set[str]:
    """The files a user of this combination must find, written out per answer (not derived from the manifest)."""
    files = set(SKELETON) | {
        "data-science/README.md",
        "data-science/src/train.py",
        "data-science/tests/test_train.py",
        "data-science/environment/conda.yml",
        # the outer loop: monitoring and retraining settings, drift metrics, the daily retraining check
        "mlops/monitoring.yml",
        "mlops/monitoring/settings.py",
        "mlops/monitoring/retraining.py",
        "data-science/src/drift.py",
        "data-science/tests/test_drift.py",
    }
    infra = combination["infrastructure_version"]
    if infra == "terraform":
        files |= {
            "infrastructure/main.tf",
            "infrastructure/variables.tf",
            "infrastructure/environments/dev.tfvars",
            "infrastructure/environments/prod.tfvars",
        }
    else:
        files |= {
            "infrastructure/main.bicep",
            "infrastructure/environments/dev.bicepparam",
            "infrastructure/environments/prod.bicepparam",
        }
    tool = "tf" if infra == "terraform" else "bicep"
    if combination["orchestration"] == "github-actions":
        files |= {
            f".github/workflows/{tool}-gha-deploy-infra.yml",
            ".github/workflows/deploy-model-training-pipeline.yml",
            ".github/workflows/deploy-model-monitor.yml",
            ".github/workflows/retrain-model.yml",
        }
    else:
        files |= {
            f"infrastructure/pipelines/{tool}-ado-deploy-infra.yml",
            "mlops/devops-pipelines/deploy-model-training-pipeline.yml",
            "mlops/devops-pipelines/deploy-model-monitor.yml",
            "mlops/devops-pipelines/retrain-model.yml",
        }
    if mlops_family(combination["mlops_version"]) == "cli":
        files |= {"mlops/azureml/train/pipeline.yml", "mlops/scripts/train.sh", "mlops/scripts/create-monitor.sh"}
    else:
        files |= {
            "mlops/azureml/train/pipeline.py",
            "mlops/azureml/workspace.py",
            "mlops/azureml/monitor/create_monitor.py",
        }
    # The monitor: CLI v2 schedule YAML, but a MonitorSchedule built in Python with SDK v2.
    files.add(
        "mlops/azureml/monitor/schedule.py"
        if combination["mlops_version"] == "python-sdk-v2"
        else "mlops/azureml/monitor/monitor.yml"
    )
    if combination["project_type"] == "classical":
        files.add("data/MLTable")  # the monitor's reference data
    alerts = "modules/alerts/main.tf" if infra == "terraform" else "modules/alerts.bicep"
    files.add(f"infrastructure/{alerts}")
    return files


def forbidden(combination: dict[str, str], path: str) -> bool:
    """Files that must not appear for this combination."""
    other_tool = ".bicep" if combination["infrastructure_version"] == "terraform" else ".tf"
    if combination["orchestration"] == "azure-devops":
        other_ci: tuple[str, ...] = (".github/",)
    else:
        other_ci = ("mlops/devops-pipelines/", "infrastructure/pipelines/")
    return (
        path.endswith((".jinja", other_tool))
        or path.startswith(other_ci)
        or path.startswith(("infrastructure/github-actions", "infrastructure/devops-pipelines"))
    )


def in_group(combination: dict[str, str]):
    """One xdist group per combination, so its render is shared with tests/test_validation_matrix.py."""
    return pytest.param(
        combination, id=combination_id(combination), marks=pytest.mark.xdist_group(combination_id(combination))
    )


@pytest.mark.parametrize("combination", [in_group(c) for c in COMBINATIONS])
def test_every_combination_renders_with_its_files(rendered_project, copier_template, combination, tracked_files):
    project = rendered_project(combination)
    files = tracked_files(project)

    missing = expected_files(combination) - files
    assert not missing, f"missing: {sorted(missing)}"
    unexpected = sorted(path for path in files if forbidden(combination, path))
    assert not unexpected, f"should not be there: {unexpected}"

    leftovers = validate_text(project, machine_paths=[str(project), str(copier_template)])
    assert not leftovers, "\n" + report(leftovers)

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {key: answers[key] for key in combination} == combination
    dev = yaml.safe_load((project / "config-infra-dev.yml").read_text())
    assert dev["aml_workspace"] == "mlw-mymlopspro-0001dev"
    assert dev["storage_account"] == "stmymlopspro0001dev"
    assert combination["mlops_version"] in (project / "README.md").read_text()
    documented = documented_file_counts()[tuple(combination[axis] for axis in AXES)]
    assert len(files) == documented, "docs/combinations.md lists another number of files for this combination"
