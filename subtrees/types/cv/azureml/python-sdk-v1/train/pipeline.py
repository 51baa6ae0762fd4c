"""Build the image-classifier training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 is past Microsoft's end of support since 30 June 2026 (training.py beside this
file says what that means). Move to the SDK v2 flavour: `copier update --trust -d mlops_version=python-sdk-v2`.

The pipeline has four steps, each a script of data-science/src, joined by PipelineData:

    prep      prep.py      checks the image set and splits every class into training and test images (seeded)
    train     train.py     fine-tunes a torchvision backbone on the GPU cluster and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test images (accuracy, per-class precision/recall/F1), against the
                           current production model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as image-classifier only when decision.json says promote

The train step runs on the GPU cluster (gpu_cluster of config-infra-<environment>.yml) with PyTorch
distribution (a CommandStep): --processes-per-node processes on each of --nodes nodes, trained together with
DistributedDataParallel; SDK v1 fixes both when the pipeline is built (SDK v2 makes them pipeline inputs). It
writes a checkpoint after every epoch to its `checkpoints` output. The other steps run on the CPU cluster
(cpu_cluster). Every step has a RunConfiguration whose environment is built from
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
    nodes: int = 1,
    processes_per_node: int = 1,
    base_model: str = model.BASE_MODEL,
    epochs: int = 15,
    batch_size: int = 32,
    accumulation_steps: int = 1,
    learning_rate: float = 0.0005,
    precision: str = "auto",
    image_size: int = 224,
    profile_steps: int = 0,
    **options: Any,
) -> list[Any]:
    """The four steps, built without a workspace: the train step runs on ``gpu_compute``, ``processes_per_node``
    processes on each of ``nodes`` nodes; ``base_model`` (a torchvision architecture) to ``profile_steps`` are the
    training's, ``options`` those of ``training.Steps`` (which also says what ``raw_data`` is)."""
    steps = training.Steps(raw_data, environment="image-classifier-train", **options)
    hyperparameters = steps.parameter_flags(
        base_model=base_model,
        epochs=epochs,
        batch_size=batch_size,
        accumulation_steps=accumulation_steps,
        learning_rate=learning_rate,
        precision=precision,
        image_size=image_size,
        profile_steps=profile_steps,
    )
    return steps.with_train(
        [*hyperparameters, "--num-workers", 4, "--profile-output", "outputs/profiler"],
        target=gpu_compute,
        nodes=nodes,
        processes_per_node=processes_per_node,
        checkpoints=True,
    )


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
