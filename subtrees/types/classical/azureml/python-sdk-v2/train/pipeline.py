"""Build the taxi-fare training pipeline with the Azure ML Python SDK v2 (azure-ai-ml) and submit it.

The pipeline has four command steps, each a script of data-science/src:

    prep      prep.py      splits data/taxi-trips.csv into train and test data (seeded)
    train     train.py     fits the regression model and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data, against the current production model if there
                           is one, and writes decision.json (promote or not)
    register  register.py  registers the model as taxi-fare-model only when decision.json says promote

Every step runs on the workspace's CPU cluster in an environment built from
data-science/environment/conda.yml; training.py beside this file makes the steps every model shares and
runs the command line. `build_pipeline()` builds the job offline: nothing is uploaded and no workspace is
contacted until `main()` submits it. The workspace comes from config-infra-<environment>.yml at the project
root unless --resource-group/--workspace say otherwise; the subscription from --subscription-id,
$AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/train/pipeline.py --dry-run              # print the job as YAML, no Azure needed
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

# The train step's command line, as data-science/src/train.py defines it.
TRAIN_COMMAND = (
    "python train.py --train-data ${{inputs.train_data}} --model-output ${{outputs.model_output}} "
    "--n-estimators ${{inputs.n_estimators}} --max-depth ${{inputs.max_depth}} --seed ${{inputs.seed}}"
)


def build_pipeline(*, n_estimators: int = 100, max_depth: int = 10, **options: Any) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    ``n_estimators`` and ``max_depth`` are the forest's. ``options`` are those of ``training.Steps``: the raw
    data (a local CSV file or folder, uploaded on submit, or an ``azureml:``/``azureml://`` URI), the cluster,
    the image, the names, the split and the model to beat; they default to mlops/azureml/model_settings.py.
    """
    from azure.ai.ml import Input, Output, dsl
    from azure.ai.ml.constants import AssetTypes

    steps = training.Steps("taxi_fare", prep_description="Split the raw trips into train and test data", **options)
    train_component = steps.component(
        "train",
        "Fit the fare regression model and save it as an MLflow model",
        TRAIN_COMMAND,
        {
            "train_data": Input(type=AssetTypes.URI_FOLDER),
            "n_estimators": Input(type="integer", default=100),
            "max_depth": Input(type="integer", default=10),
            "seed": Input(type="integer", default=42),
        },
        {"model_output": Output(type=AssetTypes.MLFLOW_MODEL)},
    )

    # No annotations on the pipeline function: dsl reads them, and `from __future__ import annotations`
    # turns them into strings it cannot resolve.
    @dsl.pipeline(
        name="taxi_fare_training",
        display_name="taxi-fare training",
        description="prep -> train -> evaluate -> register (only when the candidate beats production)",
        experiment_name=steps.experiment_name,
    )
    def training_pipeline(raw_data, test_size, seed, n_estimators, max_depth, min_improvement, registered_model_name):
        prep = steps.prep(raw_data=raw_data, test_size=test_size, seed=seed)
        train = train_component(
            train_data=prep.outputs.train_data, n_estimators=n_estimators, max_depth=max_depth, seed=seed
        )
        return steps.evaluate_and_register(
            train.outputs.model_output, prep.outputs.test_data, min_improvement, registered_model_name
        )

    return steps.job(training_pipeline, n_estimators=n_estimators, max_depth=max_depth)


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the taxi-fare training pipeline (prep -> train -> evaluate -> register) and submit it to Azure ML.",
    )
    parser.add_argument(
        "--raw-data", default=str(model.RAW_DATA), help="local CSV file or folder (uploaded), or an azureml: data URI"
    )
    model.add_arguments(parser)
    training.add_run_arguments(parser)
    return training.parse_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it (or print it with --dry-run). Returns the exit code."""
    args = parse_args(argv)

    def build(options: dict[str, Any]) -> Any:
        return build_pipeline(**options, **model.hyperparameters(args))

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())
