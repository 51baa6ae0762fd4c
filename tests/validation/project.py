"""Which validators apply to a generated project, decided by its answers; run them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from . import Finding
from .azure_devops import validate_azure_devops
from .azureml import validate_azureml
from .bicep import validate_bicep
from .github import validate_github
from .monitoring import validate_monitoring
from .python_code import validate_python, validate_shell
from .sdk import validate_sdk_deployments, validate_sdk_v1, validate_sdk_v2
from .terraform import validate_terraform
from .yaml_files import validate_yaml

Validator = Callable[[Path], list[Finding]]


def validators_for(answers: Mapping[str, str]) -> dict[str, Validator]:
    """The validators that apply to a project with these answers, by name."""
    chosen: dict[str, Validator] = {"yaml": validate_yaml, "python": validate_python, "shell": validate_shell}
    if answers["orchestration"] == "github-actions":
        chosen["github"] = validate_github
    else:
        chosen["azure-devops"] = validate_azure_devops
    if answers["infrastructure_version"] == "terraform":
        chosen["terraform"] = validate_terraform
    else:
        chosen["bicep"] = validate_bicep
    chosen["azureml"] = validate_azureml  # CLI v2 YAML; SDK projects may carry YAML (environments) too
    chosen["monitoring"] = validate_monitoring  # the model monitor of every flavour, built as CI builds it
    if answers["mlops_version"] == "python-sdk-v2":
        chosen["sdk-v2"] = validate_sdk_v2
    elif answers["mlops_version"] == "python-sdk-v1":
        chosen["sdk-v1"] = validate_sdk_v1
    if answers["mlops_version"] in ("python-sdk-v1", "python-sdk-v2"):
        chosen["sdk-deploy"] = validate_sdk_deployments  # both deploy with azure-ai-ml
    return chosen


def validate_project(project: Path, answers: Mapping[str, str], machine_paths: Iterable[str] = ()) -> list[Finding]:
    from .text import validate_text

    findings = validate_text(project, machine_paths)
    for validator in validators_for(answers).values():
        findings.extend(validator(project))
    return findings
