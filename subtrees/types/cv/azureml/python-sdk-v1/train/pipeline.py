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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import model_settings as model  # noqa: E402  (mlops/azureml/model_settings.py: this model's names, data, clusters)
import training  # noqa: E402  (train/training.py: the steps and the command line every model shares)

# Where a local image set is uploaded on the workspace's default datastore.
DATASTORE_FOLDER = "image-classifier/raw-data"


def build_steps(
    raw_data: Any,
    *,
    gpu_compute: str = model.GPU_COMPUTE,
    epochs: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    image_size: int = 64,
    **options: Any,
) -> list[Any]:
    """The four PythonScriptSteps, built without a workspace: the train step runs on ``gpu_compute``, ``epochs``
    to ``image_size`` are the network's, ``options`` those of ``training.Steps`` (which also says what
    ``raw_data`` is)."""
    steps = training.Steps(raw_data, environment="image-classifier-train", **options)
    hyperparameters = steps.parameter_flags(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, image_size=image_size
    )
    return steps.with_train([*hyperparameters, "--num-workers", 2], target=gpu_compute)


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the image-classifier training pipeline (prep -> train -> evaluate -> register) with the Azure ML "
        "SDK v1 and submit it.",
    )
    parser.add_argument(
        "--raw-data",
        default=model.RAW_DATA,
        help="image set: https URL of a .zip archive, or a local folder of class folders (default: fridgeObjects)",
    )
    model.add_arguments(parser)
    training.add_run_arguments(parser)
    return training.parse_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it. Returns the exit code."""
    args = parse_args(argv)

    def build(raw_data: Any, options: dict[str, Any]) -> list[Any]:
        return build_steps(
            raw_data,
            **options,
            **model.hyperparameters(args),
        )

    description = "image-classifier training: prep, train, evaluate, register"
    return training.submit(args, build, description=description, datastore_folder=DATASTORE_FOLDER)


if __name__ == "__main__":
    sys.exit(main())
