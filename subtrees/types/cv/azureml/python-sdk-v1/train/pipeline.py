"""Build the image-classifier training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 (azureml-core, azureml-pipeline-*) is past Microsoft's end of support. It was
deprecated on 31 March 2025 and its support ended on 30 June 2026: pipelines keep running, but the SDK gets
no fixes any more, security fixes included, and new Azure ML features (managed online endpoints, registries,
serverless compute) never reach it. Keep this flavour only while you move legacy code, then switch the project
to the SDK v2 flavour, which builds the same pipeline with azure-ai-ml:

    copier update --trust -d mlops_version=python-sdk-v2

The pipeline has four PythonScriptSteps, each a script of data-science/src, joined by PipelineData:

    prep      prep.py      checks the image set and splits every class into training and test images (seeded)
    train     train.py     trains the convolutional network on the GPU cluster and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test images (accuracy, per-class precision/recall/F1), against the
                           current production model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as image-classifier only when decision.json says promote

The train step runs on the GPU cluster (gpu_cluster of config-infra-<environment>.yml) as one process, on
one GPU: PythonScriptStep has no PyTorch distribution, which is one more reason to move to SDK v2, whose
pipeline trains with DistributedDataParallel on as many GPUs as you ask for. The other steps run on the CPU
cluster (cpu_cluster). Every step has a RunConfiguration whose environment is built from
data-science/environment/conda.yml. The images are by default the public fridgeObjects set (134 photos of
four kinds of items, zipped), read from where Microsoft publishes it; --raw-data takes a local folder of
class folders instead, which is uploaded to the workspace's default datastore. The workspace comes from
config-infra-<environment>.yml at the project root unless --resource-group/--workspace say otherwise; the
subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sdk_v1  # noqa: E402  (mlops/azureml/sdk_v1.py: sign-in and data movement azureml-core lacks)
import workspace as project  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

PROJECT_ROOT = project.PROJECT_ROOT
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "conda.yml"
# The public image set of mlops/azureml: a .zip archive with one folder per class.
PUBLIC_DATA = "https://cvbp-secondary.z19.web.core.windows.net/datasets/image_classification/fridgeObjects.zip"
ENVIRONMENTS = project.ENVIRONMENTS

MODEL_NAME = "image-classifier"
CPU_COMPUTE = "cpu-cluster"
GPU_COMPUTE = "gpu-cluster"
EXPERIMENT = "image-classifier-training"
# torch from PyPI brings its own CUDA libraries: the base image needs none.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
# Lets an SDK v1 run download its input dataset (added to the packages of conda.yml for Azure ML only).
DATASET_RUNTIME = "azureml-dataset-runtime[fuse]==1.62.0.post1"
# Where the raw data is uploaded on the workspace's default datastore.
DATASTORE_FOLDER = "image-classifier/raw-data"
# --production-model: AUTO compares with the newest registered version of the model (if any), NONE with nothing.
AUTO = "auto"
NONE = "none"
REGISTER_STEP = "register"


def build_run_config(image: str = IMAGE) -> Any:
    """The RunConfiguration of every step: the conda environment of data-science/environment/conda.yml."""
    from azureml.core import Environment
    from azureml.core.runconfig import RunConfiguration

    environment = Environment.from_conda_specification(name="image-classifier-train", file_path=str(CONDA_FILE))
    environment.docker.base_image = image
    environment.python.conda_dependencies.add_pip_package(DATASET_RUNTIME)
    run_config = RunConfiguration()
    run_config.environment = environment
    return run_config


def build_steps(
    raw_data: Any,
    *,
    compute: str = CPU_COMPUTE,
    gpu_compute: str = GPU_COMPUTE,
    model_name: str = MODEL_NAME,
    production_model: str | None = None,
    test_size: float = 0.25,
    seed: int = 42,
    epochs: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    image_size: int = 64,
    min_improvement: float = 0.0,
    run_config: Any = None,
) -> list[Any]:
    """The four PythonScriptSteps, built without a workspace.

    ``raw_data`` is the prep step's input (a dataset consumption config such as
    ``dataset.as_named_input("raw_data").as_download()``). ``production_model`` is an MLflow model URI
    (``models:/<name>/<version>``) that evaluate.py loads in the job, or None when there is none.
    """
    from azureml.pipeline.core import PipelineData, PipelineParameter
    from azureml.pipeline.steps import PythonScriptStep

    run_config = run_config or build_run_config()
    train_data = PipelineData("train_data", is_directory=True)
    test_data = PipelineData("test_data", is_directory=True)
    model_output = PipelineData("model_output", is_directory=True)
    evaluation_output = PipelineData("evaluation_output", is_directory=True)
    registration_output = PipelineData("registration_output", is_directory=True)

    # Pipeline parameters: they can be changed per run in the studio or the REST API without a new pipeline.
    test_size_parameter = PipelineParameter("test_size", default_value=test_size)
    seed_parameter = PipelineParameter("seed", default_value=seed)
    epochs_parameter = PipelineParameter("epochs", default_value=epochs)
    batch_size_parameter = PipelineParameter("batch_size", default_value=batch_size)
    learning_rate_parameter = PipelineParameter("learning_rate", default_value=learning_rate)
    image_size_parameter = PipelineParameter("image_size", default_value=image_size)
    min_improvement_parameter = PipelineParameter("min_improvement", default_value=min_improvement)
    model_name_parameter = PipelineParameter("model_name", default_value=model_name)

    def step(
        name: str, arguments: list[Any], inputs: list[Any], outputs: list[Any], reuse: bool, target: str = compute
    ) -> Any:
        return PythonScriptStep(
            name=name,
            script_name=f"{name}.py",
            source_directory=str(SOURCE_DIR),
            arguments=arguments,
            inputs=inputs,
            outputs=outputs,
            compute_target=target,
            runconfig=run_config,
            allow_reuse=reuse,
        )

    prep = step(
        "prep",
        [
            "--raw-data",
            raw_data,
            "--train-data",
            train_data,
            "--test-data",
            test_data,
            "--test-size",
            test_size_parameter,
            "--seed",
            seed_parameter,
        ],
        [raw_data],
        [train_data, test_data],
        reuse=True,
    )
    train = step(
        "train",
        [
            "--train-data",
            train_data,
            "--model-output",
            model_output,
            "--epochs",
            epochs_parameter,
            "--batch-size",
            batch_size_parameter,
            "--learning-rate",
            learning_rate_parameter,
            "--image-size",
            image_size_parameter,
            "--seed",
            seed_parameter,
            "--num-workers",
            2,
        ],
        [train_data],
        [model_output],
        reuse=True,
        target=gpu_compute,
    )
    # Evaluation and registration depend on the registry's state, not only on their inputs: never reused.
    evaluate = step(
        "evaluate",
        [
            "--model-input",
            model_output,
            "--test-data",
            test_data,
            "--evaluation-output",
            evaluation_output,
            "--min-improvement",
            min_improvement_parameter,
            *(["--production-model", production_model] if production_model else []),
        ],
        [model_output, test_data],
        [evaluation_output],
        reuse=False,
    )
    register = step(
        "register",
        [
            "--model-input",
            model_output,
            "--evaluation-output",
            evaluation_output,
            "--model-name",
            model_name_parameter,
            "--registration-output",
            registration_output,
        ],
        [model_output, evaluation_output],
        [registration_output],
        reuse=False,
    )
    return [prep, train, evaluate, register]


def build_pipeline(workspace: Any, *, raw_data: str = PUBLIC_DATA, **step_options: Any) -> Any:
    """Build the pipeline around the image set ``raw_data``: an https URL of a .zip archive (read from there),
    or a local folder of class folders, uploaded to the workspace's default datastore.

    ``step_options`` are the keyword arguments of ``build_steps``.
    """
    from azureml.core import Dataset
    from azureml.pipeline.core import Pipeline

    if "://" in raw_data:
        dataset = Dataset.File.from_files(path=raw_data)
    else:
        dataset = sdk_v1.upload_dataset(Path(raw_data), workspace, DATASTORE_FOLDER)
    steps = build_steps(dataset.as_named_input("raw_data").as_download(), **step_options)
    description = "image-classifier training: prep, train, evaluate, register"
    return Pipeline(workspace=workspace, steps=steps, description=description)


# --- command line ------------------------------------------------------------------------------------------------


def latest_model_uri(workspace: Any, name: str) -> str | None:
    """``models:/<name>/<version>`` of the newest registered version of the model, None when it has none."""
    from azureml.core.model import Model

    models = Model.list(workspace, name=name, latest=True)
    return f"models:/{name}/{models[0].version}" if models else None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the image-classifier training pipeline (prep -> train -> evaluate -> register) with the "
        "Azure ML SDK v1 and submit it. SDK v1 is past end of support (30 June 2026): move to python-sdk-v2 with "
        "`copier update --trust -d mlops_version=python-sdk-v2`.",
        epilog="The workspace and compute come from config-infra-<environment>.yml unless given here.",
    )
    project.add_workspace_arguments(parser)
    parser.add_argument(
        "--compute", help=f"cluster of the other steps (default: cpu_cluster from config-infra, else {CPU_COMPUTE})"
    )
    parser.add_argument(
        "--gpu-compute", help=f"cluster of the train step (default: gpu_cluster from config-infra, else {GPU_COMPUTE})"
    )
    parser.add_argument(
        "--raw-data",
        default=PUBLIC_DATA,
        help="image set: https URL of a .zip archive, or a local folder of class folders (default: fridgeObjects)",
    )
    parser.add_argument("--model-name", default=MODEL_NAME, help=f"registered model name (default: {MODEL_NAME})")
    parser.add_argument(
        "--production-model",
        default=AUTO,
        help=f"model the candidate must beat: '{AUTO}' (default) = the newest registered version of --model-name, "
        f"'{NONE}' = none, or an MLflow model URI such as models:/{MODEL_NAME}/3",
    )
    parser.add_argument("--min-improvement", type=float, default=0.0, help="accuracy gain needed to promote")
    parser.add_argument("--test-size", type=float, default=0.25, help="share of each class kept for evaluation")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--experiment-name", default=EXPERIMENT, help=f"default: {EXPERIMENT}")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="stream the run's logs; exit 1 if the run fails; then report whether a model version was registered",
    )
    args = parser.parse_args(argv)
    if "://" not in args.raw_data and not Path(args.raw_data).is_dir():
        parser.error(f"--raw-data {args.raw_data}: no such folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)
    print(
        "warning: Azure ML SDK v1 is past end of support (30 June 2026); "
        "move with `copier update --trust -d mlops_version=python-sdk-v2`",
        file=sys.stderr,
    )
    config = project.read_config(args.environment)
    subscription_id = args.subscription_id or project.current_subscription()
    resource_group = args.resource_group or config.get("resource_group")
    workspace_name = args.workspace or config.get("aml_workspace")
    needed = {"--subscription-id": subscription_id, "--resource-group": resource_group, "--workspace": workspace_name}
    if project.missing_settings(needed, args.environment):
        return 2

    from azureml.core import Experiment, Workspace

    # `az login` on a laptop; in CI a sign-in that renews itself while the run is awaited (sdk_v1.py).
    workspace = Workspace.get(
        name=workspace_name,
        subscription_id=subscription_id,
        resource_group=resource_group,
        auth=sdk_v1.authentication(),
    )
    if args.production_model == AUTO:
        production = latest_model_uri(workspace, args.model_name)
    else:
        production = None if args.production_model == NONE else args.production_model
    print(f"Production model to beat: {production or 'none (the candidate is promoted)'}")

    pipeline = build_pipeline(
        workspace,
        raw_data=args.raw_data,
        compute=args.compute or config.get("cpu_cluster") or CPU_COMPUTE,
        gpu_compute=args.gpu_compute or config.get("gpu_cluster") or GPU_COMPUTE,
        model_name=args.model_name,
        production_model=production,
        test_size=args.test_size,
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        image_size=args.image_size,
        min_improvement=args.min_improvement,
    )
    run = Experiment(workspace, args.experiment_name).submit(pipeline)
    project.submitted(run.id, run.get_portal_url(), "pipeline run")
    if args.wait:
        run.wait_for_completion(show_output=True, raise_on_error=True)
        status = run.get_status()
        print(f"Pipeline run {run.id} finished: {status}")
        if status != "Completed":
            return 1
        with tempfile.TemporaryDirectory() as download:
            sdk_v1.download_step_output(run, REGISTER_STEP, "registration_output", Path(download))
            registration = project.read_registration(Path(download))
        project.report_registration(run.id, registration, args.model_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
