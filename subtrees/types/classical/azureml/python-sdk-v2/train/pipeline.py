"""Build the taxi-fare training pipeline with the Azure ML Python SDK v2 (azure-ai-ml) and submit it.

The pipeline has four command steps, each a script of data-science/src:

    prep      prep.py      splits data/taxi-trips.csv into train and test data (seeded)
    train     train.py     fits the regression model and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data, against the current production model if there
                           is one, and writes decision.json (promote or not)
    register  register.py  registers the model as taxi-fare-model only when decision.json says promote

Every step runs on the workspace's CPU cluster in an environment built from
data-science/environment/conda.yml. `build_pipeline()` builds the job offline: nothing is uploaded and no
workspace is contacted until `main()` submits it. The workspace comes from config-infra-<environment>.yml
at the project root unless --resource-group/--workspace say otherwise; the subscription from
--subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/train/pipeline.py --dry-run              # print the job as YAML, no Azure needed
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

PROJECT_ROOT = workspace.PROJECT_ROOT
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
RAW_DATA = PROJECT_ROOT / "data" / "taxi-trips.csv"
ENVIRONMENTS = workspace.ENVIRONMENTS

MODEL_NAME = "taxi-fare-model"
COMPUTE = "cpu-cluster"
EXPERIMENT = "taxi-fare-training"
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
# --production-model: AUTO compares with the newest registered version of the model (if any), NONE with nothing.
AUTO = "auto"
NONE = "none"

# The command line of each step, as data-science/src/<step>.py defines it. `$[[...]]` is left out when the
# optional input inside it has no value.
PREP_COMMAND = (
    "python prep.py --raw-data ${{inputs.raw_data}} --train-data ${{outputs.train_data}} "
    "--test-data ${{outputs.test_data}} --test-size ${{inputs.test_size}} --seed ${{inputs.seed}}"
)
TRAIN_COMMAND = (
    "python train.py --train-data ${{inputs.train_data}} --model-output ${{outputs.model_output}} "
    "--n-estimators ${{inputs.n_estimators}} --max-depth ${{inputs.max_depth}} --seed ${{inputs.seed}}"
)
EVALUATE_COMMAND = (
    "python evaluate.py --model-input ${{inputs.model_input}} --test-data ${{inputs.test_data}} "
    "--evaluation-output ${{outputs.evaluation_output}} --min-improvement ${{inputs.min_improvement}} "
    "$[[--production-model ${{inputs.production_model}}]]"
)
REGISTER_COMMAND = (
    "python register.py --model-input ${{inputs.model_input}} --evaluation-output ${{inputs.evaluation_output}} "
    "--model-name ${{inputs.model_name}} --registration-output ${{outputs.registration_output}}"
)


def is_remote(path: str) -> bool:
    """Whether ``path`` names data in Azure (azureml:, https://, abfss://, ...) rather than a local file."""
    return path.startswith("azureml:") or "://" in path


def build_pipeline(
    *,
    raw_data: str | os.PathLike[str] = RAW_DATA,
    compute: str = COMPUTE,
    model_name: str = MODEL_NAME,
    production_model: str | None = None,
    test_size: float = 0.2,
    seed: int = 42,
    n_estimators: int = 100,
    max_depth: int = 10,
    min_improvement: float = 0.0,
    experiment_name: str = EXPERIMENT,
    image: str = IMAGE,
) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    ``raw_data`` is a local CSV file or folder (uploaded on submit) or an ``azureml:``/``azureml://`` URI (a
    folder when it ends with ``/``).
    ``production_model`` is the model to beat, as an ``azureml:<name>:<version>`` (or ``azureml://``) URI;
    None means there is none, and the candidate is promoted.
    """
    from azure.ai.ml import Input, Output, command, dsl
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Environment

    data_path = str(raw_data)
    if is_remote(data_path):
        data_type = AssetTypes.URI_FOLDER if data_path.endswith("/") else AssetTypes.URI_FILE
    else:
        data_type = AssetTypes.URI_FOLDER if Path(data_path).is_dir() else AssetTypes.URI_FILE
        data_path = str(Path(data_path).resolve())
    # Anonymous: Azure ML names it after the hash of image + conda file and rebuilds only when they change.
    environment = Environment(image=image, conda_file=CONDA_FILE)
    # The model to beat is bound straight to the evaluate step rather than made a pipeline input: without
    # one nothing is bound, and evaluate.py runs without --production-model.
    model_to_beat = (
        {"production_model": Input(type=AssetTypes.MLFLOW_MODEL, path=production_model)} if production_model else {}
    )

    def step(name: str, description: str, script: str, inputs: dict, outputs: dict) -> Any:
        return command(
            name=f"taxi_fare_{name}",
            display_name=name,
            description=description,
            code=SOURCE_DIR,
            command=script,
            inputs=inputs,
            outputs=outputs,
            environment=environment,
            compute=compute,
        )

    prep_component = step(
        "prep",
        "Split the raw trips into train and test data",
        PREP_COMMAND,
        {
            "raw_data": Input(type=data_type),
            "test_size": Input(type="number", default=0.2),
            "seed": Input(type="integer", default=42),
        },
        {"train_data": Output(type=AssetTypes.URI_FOLDER), "test_data": Output(type=AssetTypes.URI_FOLDER)},
    )
    train_component = step(
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
    evaluate_component = step(
        "evaluate",
        "Score the candidate (and the production model) on the test data; decide whether to promote",
        EVALUATE_COMMAND,
        {
            "model_input": Input(type=AssetTypes.MLFLOW_MODEL),
            "test_data": Input(type=AssetTypes.URI_FOLDER),
            "production_model": Input(type=AssetTypes.MLFLOW_MODEL, optional=True),
            "min_improvement": Input(type="number", default=0.0),
        },
        {"evaluation_output": Output(type=AssetTypes.URI_FOLDER)},
    )
    register_component = step(
        "register",
        "Register the model when the evaluation decided to promote it",
        REGISTER_COMMAND,
        {
            "model_input": Input(type=AssetTypes.MLFLOW_MODEL),
            "evaluation_output": Input(type=AssetTypes.URI_FOLDER),
            "model_name": Input(type="string", default=MODEL_NAME),
        },
        {"registration_output": Output(type=AssetTypes.URI_FOLDER)},
    )

    # No annotations on the pipeline function: dsl reads them, and `from __future__ import annotations`
    # turns them into strings it cannot resolve.
    @dsl.pipeline(
        name="taxi_fare_training",
        display_name="taxi-fare training",
        description="prep -> train -> evaluate -> register (only when the candidate beats production)",
        experiment_name=experiment_name,
    )
    def training_pipeline(
        raw_data,
        test_size,
        seed,
        n_estimators,
        max_depth,
        min_improvement,
        registered_model_name,
    ):
        prep = prep_component(raw_data=raw_data, test_size=test_size, seed=seed)
        train = train_component(
            train_data=prep.outputs.train_data, n_estimators=n_estimators, max_depth=max_depth, seed=seed
        )
        evaluate = evaluate_component(
            model_input=train.outputs.model_output,
            test_data=prep.outputs.test_data,
            min_improvement=min_improvement,
            **model_to_beat,
        )
        register = register_component(
            model_input=train.outputs.model_output,
            evaluation_output=evaluate.outputs.evaluation_output,
            model_name=registered_model_name,
        )
        return {
            "trained_model": train.outputs.model_output,
            "evaluation": evaluate.outputs.evaluation_output,
            "registration": register.outputs.registration_output,
        }

    job = training_pipeline(
        raw_data=Input(type=data_type, path=data_path),
        test_size=test_size,
        seed=seed,
        n_estimators=n_estimators,
        max_depth=max_depth,
        min_improvement=min_improvement,
        registered_model_name=model_name,
    )
    job.settings.default_compute = compute
    return job


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the taxi-fare training pipeline (prep -> train -> evaluate -> register) and submit it "
        "to Azure ML.",
        epilog="The workspace and compute come from config-infra-<environment>.yml unless given here.",
    )
    workspace.add_workspace_arguments(parser)
    parser.add_argument("--compute", help=f"compute cluster (default: cpu_cluster from config-infra, else {COMPUTE})")
    parser.add_argument(
        "--raw-data", default=str(RAW_DATA), help="local CSV file or folder (uploaded), or an azureml: data URI"
    )
    parser.add_argument("--model-name", default=MODEL_NAME, help=f"registered model name (default: {MODEL_NAME})")
    parser.add_argument(
        "--production-model",
        default=AUTO,
        help=f"model the candidate must beat: '{AUTO}' (default) = the newest registered version of --model-name, "
        f"'{NONE}' = none, or an azureml: model URI",
    )
    parser.add_argument("--min-improvement", type=float, default=0.0, help="RMSE decrease needed to promote")
    parser.add_argument("--test-size", type=float, default=0.2, help="share of the rows kept for evaluation")
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--experiment-name", default=EXPERIMENT, help=f"default: {EXPERIMENT}")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="stream the job's logs; exit 1 if the job fails; then report whether a model version was registered",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the pipeline job as YAML and submit nothing")
    args = parser.parse_args(argv)
    if not is_remote(args.raw_data) and not Path(args.raw_data).exists():
        parser.error(f"--raw-data {args.raw_data}: no such file")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it (or print it with --dry-run). Returns the exit code."""
    args = parse_args(argv)
    config = workspace.read_config(args.environment)
    compute = args.compute or config.get("cpu_cluster") or COMPUTE
    production = None if args.production_model in (AUTO, NONE) else args.production_model

    client = None
    if not args.dry_run:
        subscription_id = args.subscription_id or workspace.current_subscription()
        resource_group = args.resource_group or config.get("resource_group")
        workspace_name = args.workspace or config.get("aml_workspace")
        needed = {
            "--subscription-id": subscription_id,
            "--resource-group": resource_group,
            "--workspace": workspace_name,
        }
        if workspace.missing_settings(needed, args.environment, hint="use --dry-run to build the job without Azure"):
            return 2
        client = workspace.ml_client(subscription_id, resource_group, workspace_name)
        if args.production_model == AUTO:
            newest = workspace.newest_version(client, args.model_name)
            production = workspace.model_uri(args.model_name, newest) if newest else None
        print(f"Production model to beat: {production or 'none (the candidate is promoted)'}")

    job = build_pipeline(
        raw_data=args.raw_data,
        compute=compute,
        model_name=args.model_name,
        production_model=production,
        test_size=args.test_size,
        n_estimators=args.n_estimators,
        max_depth=args.max_depth,
        seed=args.seed,
        min_improvement=args.min_improvement,
        experiment_name=args.experiment_name,
    )
    if client is None:
        job.dump(sys.stdout)
        return 0

    submitted = client.jobs.create_or_update(job, experiment_name=args.experiment_name)
    workspace.submitted(submitted.name, submitted.studio_url, "pipeline job")
    if args.wait:
        if not workspace.wait_for_job(client, submitted.name, "Pipeline job"):
            return 1
        with tempfile.TemporaryDirectory() as download:
            client.jobs.download(submitted.name, output_name="registration", download_path=download)
            registration = workspace.read_registration(Path(download))
        workspace.report_registration(submitted.name, registration, args.model_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
