"""Build the image-classifier training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 is past Microsoft's end of support since 30 June 2026 (training.py beside this
file says what that means). Move to the SDK v2 flavour: `copier update --trust -d mlops_version=python-sdk-v2`.

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import training  # noqa: E402  (train/training.py: the steps and the command line every model shares)
import workspace as project  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

# The public image set of mlops/azureml: a .zip archive with one folder per class.
PUBLIC_DATA = "https://cvbp-secondary.z19.web.core.windows.net/datasets/image_classification/fridgeObjects.zip"
MODEL_NAME = "image-classifier"
CPU_COMPUTE = "cpu-cluster"
GPU_COMPUTE = "gpu-cluster"
EXPERIMENT = "image-classifier-training"
# torch from PyPI brings its own CUDA libraries: the base image needs none.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
TEST_SIZE = 0.25
# Where a local image set is uploaded on the workspace's default datastore.
DATASTORE_FOLDER = "image-classifier/raw-data"


def build_steps(
    raw_data: Any,
    *,
    compute: str = CPU_COMPUTE,
    gpu_compute: str = GPU_COMPUTE,
    model_name: str = MODEL_NAME,
    production_model: str | None = None,
    test_size: float = TEST_SIZE,
    seed: int = 42,
    epochs: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    image_size: int = 64,
    min_improvement: float = 0.0,
    run_config: Any = None,
) -> list[Any]:
    """The four PythonScriptSteps, built without a workspace (``training.Steps`` says what the arguments are);
    the train step runs on ``gpu_compute``."""
    steps = training.Steps(
        raw_data,
        compute=compute,
        run_config=run_config or training.build_run_config("image-classifier-train", IMAGE),
        model_name=model_name,
        production_model=production_model,
        test_size=test_size,
        seed=seed,
        min_improvement=min_improvement,
    )
    hyperparameters = steps.parameter_flags(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, image_size=image_size
    )
    return steps.with_train([*hyperparameters, "--num-workers", 2], target=gpu_compute)


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
        dataset = training.upload(workspace, Path(raw_data), DATASTORE_FOLDER)
    steps = build_steps(dataset.as_named_input("raw_data").as_download(), **step_options)
    description = "image-classifier training: prep, train, evaluate, register"
    return Pipeline(workspace=workspace, steps=steps, description=description)


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the image-classifier training pipeline (prep -> train -> evaluate -> register) with the Azure ML "
        "SDK v1 and submit it.",
        compute_help=f"cluster of the other steps (default: cpu_cluster from config-infra, else {CPU_COMPUTE})",
    )
    parser.add_argument(
        "--gpu-compute", help=f"cluster of the train step (default: gpu_cluster from config-infra, else {GPU_COMPUTE})"
    )
    parser.add_argument(
        "--raw-data",
        default=PUBLIC_DATA,
        help="image set: https URL of a .zip archive, or a local folder of class folders (default: fridgeObjects)",
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--image-size", type=int, default=64)
    project.add_training_arguments(
        parser,
        model_name=MODEL_NAME,
        experiment=EXPERIMENT,
        model_uri=f"an MLflow model URI such as models:/{MODEL_NAME}/3",
        gate_help="accuracy gain needed to promote",
        test_size=TEST_SIZE,
        test_size_help="share of each class kept for evaluation",
    )
    args = parser.parse_args(argv)
    if "://" not in args.raw_data and not Path(args.raw_data).is_dir():
        parser.error(f"--raw-data {args.raw_data}: no such folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)

    def build(workspace: Any, config: Mapping[str, Any], production_model: str | None) -> Any:
        return build_pipeline(
            workspace,
            **project.training_options(args, production_model),
            compute=args.compute or config.get("cpu_cluster") or CPU_COMPUTE,
            gpu_compute=args.gpu_compute or config.get("gpu_cluster") or GPU_COMPUTE,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            image_size=args.image_size,
        )

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())
