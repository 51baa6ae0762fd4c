"""Build the taxi-fare training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 is past Microsoft's end of support since 30 June 2026 (training.py beside this
file says what that means). Move to the SDK v2 flavour: `copier update --trust -d mlops_version=python-sdk-v2`.

The pipeline has four PythonScriptSteps, each a script of data-science/src, joined by PipelineData:

    prep      prep.py      splits data/taxi-trips.csv into train and test data (seeded)
    train     train.py     fits the regression model and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data, against the current production model if there
                           is one, and writes decision.json (promote or not)
    register  register.py  registers the model as taxi-fare-model only when decision.json says promote

Every step runs on the workspace's CPU cluster with a RunConfiguration whose environment is built from
data-science/environment/conda.yml. The workspace comes from config-infra-<environment>.yml at the project
root unless --resource-group/--workspace say otherwise; the subscription from --subscription-id,
$AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import model_settings as model  # noqa: E402  (mlops/azureml/model_settings.py: this model's names, data, clusters)
import training  # noqa: E402  (train/training.py: the steps and the command line every model shares)

# Where the raw data is uploaded on the workspace's default datastore.
DATASTORE_FOLDER = "taxi-fare/raw-data"


def build_steps(raw_data: Any, *, n_estimators: int = 100, max_depth: int = 10, **options: Any) -> list[Any]:
    """The four PythonScriptSteps, built without a workspace: ``n_estimators`` and ``max_depth`` are the
    forest's, ``options`` those of ``training.Steps`` (which also says what ``raw_data`` is)."""
    steps = training.Steps(raw_data, environment="taxi-fare-train", **options)
    return steps.with_train(steps.parameter_flags(n_estimators=n_estimators, max_depth=max_depth))


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the taxi-fare training pipeline (prep -> train -> evaluate -> register) with the Azure ML SDK v1 "
        "and submit it.",
    )
    parser.add_argument("--raw-data", default=str(model.RAW_DATA), help="local CSV file or folder (uploaded)")
    model.add_arguments(parser)
    training.add_run_arguments(parser)
    return training.parse_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)

    def build(raw_data: Any, options: dict[str, Any]) -> list[Any]:
        return build_steps(raw_data, **options, **model.hyperparameters(args))

    description = "taxi-fare training: prep, train, evaluate, register"
    return training.submit(args, build, description=description, datastore_folder=DATASTORE_FOLDER)


if __name__ == "__main__":
    sys.exit(main())
