"""Fixtures and checks that the tests of every project type share; conftest.py loads this module as a pytest
plugin (``pytest_plugins = ["step_fixtures"]``).

The step modules in ../src are imported as top-level modules, as Azure ML runs them. Every test tracks to
one throwaway MLflow store (SQLite) in a temporary folder, never to the working directory, and runs in a
working directory of its own.

The shared tests (test_evaluation.py, test_register.py, test_seeded_split.py) also need what only the
project type's conftest.py can make, as fixtures: ``raw_data`` (a small raw data set for prep.py),
``split_data`` (the training and test folders that prep.py makes of some raw data, once per session), and
``better_model`` and ``worse_model`` (two MLflow models trained on that training data, the first clearly
better than the second on its test data by the metric that gates promotion).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
if str(SOURCE) not in sys.path:
    sys.path.insert(0, str(SOURCE))

MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID")
STEP_RUNS = ("pipeline", "prep", "train", "evaluate", "register")  # the runs of one run_local.py


def pytest_configure(config: pytest.Config) -> None:
    # MLflow's SQLite store uses a SQLAlchemy option that SQLAlchemy 2.1 deprecates: not this project's concern.
    config.addinivalue_line("filterwarnings", "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning")


@pytest.fixture(scope="session", autouse=True)
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One SQLite tracking store and registry for the session, with an experiment whose artifacts stay in it."""
    import mlflow

    root = tmp_path_factory.mktemp("mlflow")
    saved = {name: os.environ.pop(name, None) for name in MLFLOW_VARIABLES}
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.MlflowClient().create_experiment("tests", artifact_location=(root / "artifacts").as_uri())
    os.environ["MLFLOW_EXPERIMENT_NAME"] = "tests"
    yield root
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def no_open_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test starts without an active MLflow run and in its own working directory."""
    import mlflow

    monkeypatch.chdir(tmp_path)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


def tracked_by_run_local(output: Path, experiment: str, model_name: str) -> tuple[list[str], dict[str, list[Any]]]:
    """What run_local.py tracked in the MLflow store under ``output``: the versions of the registered model,
    sorted, and the runs of the experiment by name."""
    import mlflow

    store = f"sqlite:///{output / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
    versions = sorted(str(version.version) for version in client.search_model_versions(f"name='{model_name}'"))
    runs: dict[str, list[Any]] = {}
    for run in client.search_runs([client.get_experiment_by_name(experiment).experiment_id]):
        runs.setdefault(run.info.run_name, []).append(run)
    return versions, runs
