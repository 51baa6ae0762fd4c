"""A generated classical project works as its README says: install the data-science code with the pip
command of data-science/README.md, run the project's own tests and its local training pipeline. And the
model that the rai-aml-cli-v2 flavour trains is one that the Responsible AI components can analyse.

Slow: each virtual environment gets scikit-learn, pandas and MLflow (a minute or two to install). The
rai-aml-cli-v2 flavour pins the versions of the RAI components' environment, the other three share one
set of dependencies, so two project environments serve the four tests. The RAI check adds stand-ins of
the components' environment (tests/rai_environment). All tests of this module run in one xdist group,
so each environment is built once per test session.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from generated_projects import README, Venv, readme_commands

# One combination per MLOps version; the other two answers vary so that every choice appears once.
COMBINATIONS = {
    "aml-cli-v2": {"infrastructure_version": "terraform", "orchestration": "github-actions"},
    "python-sdk-v1": {"infrastructure_version": "bicep", "orchestration": "azure-devops"},
    "python-sdk-v2": {"infrastructure_version": "terraform", "orchestration": "azure-devops"},
    "rai-aml-cli-v2": {"infrastructure_version": "bicep", "orchestration": "github-actions"},
}
RAI_ENVIRONMENT = Path(__file__).parent / "rai_environment"
# The MLflow of the RAI components' environment is not pinned there, so it depends on when Azure built
# the image: one from the time of responsibleai 0.36 (MLflow 2, which has no skops), and one built today.
RAI_STAND_INS = {"mlflow-2": ["mlflow==2.16.2"], "newest-mlflow": []}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated-classical")]


class Venvs:
    """Virtual environments of this module, one per distinct set of requirements, each built once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, Venv] = {}

    def get(self, requirements: str, install: list[str], cwd: Path) -> Venv:
        """The environment of ``requirements``, made with the ``install`` commands in ``cwd`` when new."""
        if requirements not in self.built:
            path = self.root / f"venv-{len(self.built)}"
            subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
            venv = Venv(path)
            for command in install:
                venv.run(command, cwd, timeout=1200)
            self.built[requirements] = venv
        return self.built[requirements]


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> Venvs:
    return Venvs(tmp_path_factory.mktemp("classical"))


def the_command(commands: list[str], start: str) -> str:
    found = [command for command in commands if command.startswith(start)]
    assert found, f"{README} gives no command that starts with {start!r}"
    return found[0]


def project_venv(venvs: Venvs, project: Path, commands: list[str]) -> Venv:
    """The environment the README's pip commands make for this project (shared by equal projects)."""
    install = [command for command in commands if command.startswith("pip install")]
    assert install, f"{README} gives no pip command"
    requirements = "\n".join(install) + (project / "data-science" / "pyproject.toml").read_text(encoding="utf-8")
    return venvs.get(requirements, install, project)


def train_locally(venv: Venv, project: Path, commands: list[str]) -> Path:
    """Run the README's local runner; the folder it wrote its outputs to."""
    runner = the_command(commands, "python data-science/src/run_local.py")
    assert "--raw-data data/taxi-trips.csv" in runner
    trained = venv.run(runner, project, timeout=600)
    assert "promotion decision:" in trained.stdout
    return project / re.search(r"--output (\S+)", runner).group(1)


@pytest.mark.parametrize("mlops_version", list(COMBINATIONS))
def test_the_project_installs_tests_and_trains_as_its_readme_says(
    copier, tmp_path: Path, venvs: Venvs, mlops_version: str
) -> None:
    project = copier.copy(
        tmp_path / "p", project_type="classical", mlops_version=mlops_version, **COMBINATIONS[mlops_version]
    ).path
    commands = readme_commands(project)
    venv = project_venv(venvs, project, commands)

    tests = venv.run(the_command(commands, "python -m pytest"), project, timeout=600)
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, tests.stdout

    output = train_locally(venv, project, commands)
    decision = json.loads((output / "evaluation" / "decision.json").read_text(encoding="utf-8"))
    assert decision["promote"] is True  # a first run has no production model to beat
    assert decision["candidate"]["rmse"] > 0 and decision["production"] is None
    registration = json.loads((output / "registration" / "registration.json").read_text(encoding="utf-8"))
    assert (registration["registered"], registration["name"], registration["version"]) == (True, "taxi-fare-model", "1")


def rai_analysis_settings(project: Path, output: Path) -> dict:
    """What the project's rai-pipeline.yml gives the RAI components, with the local run's model and data."""
    pipeline = yaml.safe_load((project / "mlops/azureml/train/rai-pipeline.yml").read_text(encoding="utf-8"))

    def resolved(value: object) -> object:
        reference = re.fullmatch(r"\$\{\{parent\.inputs\.(\w+)\}\}", value) if isinstance(value, str) else None
        if reference:
            value = pipeline["inputs"][reference.group(1)]
        # The components take lists as JSON strings.
        return json.loads(value) if isinstance(value, str) and value.startswith("[") else value

    def component_inputs(job: str) -> dict:
        inputs = pipeline["jobs"][job]["inputs"]
        passed_on = {name: value for name, value in inputs.items() if name not in ("rai_insights_dashboard", "comment")}
        return {name: resolved(value) for name, value in passed_on.items()}

    constructor = component_inputs("create_rai_insights")
    return {
        "model": str(output / "model"),
        "train": str(output / "train" / "data.csv"),
        "test": str(output / "test" / "data.csv"),
        "target_column_name": constructor["target_column_name"],
        "task_type": constructor["task_type"],
        "categorical_column_names": constructor["categorical_column_names"],
        "error_analysis": component_inputs("error_analysis"),
        "counterfactual": component_inputs("counterfactual"),
        "causal": component_inputs("causal"),
    }


def analyse_like_rai_components(
    venvs: Venvs, stand_in: str, settings: dict, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run tests/rai_environment/analyse_like_rai_components.py with ``settings`` in the stand-in."""
    pins = " ".join(f"'{pin}'" for pin in RAI_STAND_INS[stand_in])
    install = f"pip install -r {RAI_ENVIRONMENT / 'responsibleai-tabular.txt'} {pins}"
    rai = venvs.get(f"rai stand-in {stand_in}", [install], tmp_path)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    return subprocess.run(
        [str(rai.path / "bin" / "python"), str(RAI_ENVIRONMENT / "analyse_like_rai_components.py"), str(settings_file)],
        cwd=tmp_path,
        env=rai.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.parametrize("stand_in", list(RAI_STAND_INS))
def test_the_rai_components_analyse_the_model_the_rai_flavour_trains(
    copier, tmp_path: Path, venvs: Venvs, stand_in: str
) -> None:
    project = copier.copy(
        tmp_path / "p", project_type="classical", mlops_version="rai-aml-cli-v2", **COMBINATIONS["rai-aml-cli-v2"]
    ).path
    commands = readme_commands(project)
    output = train_locally(project_venv(venvs, project, commands), project, commands)
    settings = rai_analysis_settings(project, output)

    analysed = analyse_like_rai_components(venvs, stand_in, settings, tmp_path)

    assert analysed.returncode == 0, analysed.stderr[-3000:]
    summary = json.loads(analysed.stdout.strip().splitlines()[-1])
    assert summary["predictions"] == len((output / "test" / "data.csv").read_text().splitlines()) - 1
    assert summary["explained_features"] == sorted(
        ["distance_km", "duration_min", "passengers", "pickup_hour", "weekday", "vendor", "payment_type"]
    )
    assert summary["error_analysis_reports"] == 1
    # What-if trips whose predicted fare lies in the pipeline's desired_fare_range.
    low, high = settings["counterfactual"]["desired_range"]
    assert summary["counterfactuals"]["count"] > 0
    assert low <= summary["counterfactuals"]["lowest"] <= summary["counterfactuals"]["highest"] <= high
    assert summary["causal_treatments"] == ["passengers", "pickup_hour"]


def test_the_model_of_the_other_flavours_is_what_an_mlflow_2_rai_environment_cannot_load(
    copier, tmp_path: Path, venvs: Venvs
) -> None:
    """Why the rai flavour trains differently, and proof that the stand-in tells the two apart."""
    rai_project = copier.copy(
        tmp_path / "rai", project_type="classical", mlops_version="rai-aml-cli-v2", **COMBINATIONS["rai-aml-cli-v2"]
    ).path
    project = copier.copy(
        tmp_path / "p", project_type="classical", mlops_version="aml-cli-v2", **COMBINATIONS["aml-cli-v2"]
    ).path
    commands = readme_commands(project)
    output = train_locally(project_venv(venvs, project, commands), project, commands)

    analysed = analyse_like_rai_components(venvs, "mlflow-2", rai_analysis_settings(rai_project, output), tmp_path)

    assert analysed.returncode != 0
    assert "Unrecognized serialization format: skops" in analysed.stderr
