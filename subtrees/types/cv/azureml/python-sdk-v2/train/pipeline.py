"""Build the image-classifier training pipeline with the Azure ML Python SDK v2 (azure-ai-ml) and submit it.

The pipeline has four command steps, each a script of data-science/src:

    prep      prep.py      checks the image set and splits every class into training and test images (seeded)
    train     train.py     trains the convolutional network (DistributedDataParallel on the GPU cluster) and
                           saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test images (accuracy, per-class precision/recall/F1), against the
                           current production model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as image-classifier only when decision.json says promote

The train step runs on the GPU cluster (gpu_cluster of config-infra-<environment>.yml) with Azure ML's PyTorch
distribution, the other steps on the CPU cluster (cpu_cluster), all in an environment built from
data-science/environment/conda.yml. The images are by default the public fridgeObjects set (134 photos of
four kinds of items, zipped), read straight from where Microsoft publishes it; --raw-data takes your own
(a local folder of class folders is uploaded, or an azureml: data asset).

training.py beside this file makes the steps every model shares and runs the command line.
`build_pipeline()` builds the job offline: nothing is uploaded and no workspace is contacted until `main()`
submits it. The workspace comes from config-infra-<environment>.yml at the project root unless
--resource-group/--workspace say otherwise; the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID
or the Azure CLI's current account. With --wait, the script reports whether a model version was registered
(the CI steps after it deploy that version).

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/train/pipeline.py --dry-run              # print the job as YAML, no Azure needed
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import training  # noqa: E402  (train/training.py: the steps and the command line every model shares)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

# The public image set of mlops/azureml: a .zip archive with one folder per class.
PUBLIC_DATA = "https://cvbp-secondary.z19.web.core.windows.net/datasets/image_classification/fridgeObjects.zip"
MODEL_NAME = "image-classifier"
CPU_COMPUTE = "cpu-cluster"
GPU_COMPUTE = "gpu-cluster"
EXPERIMENT = "image-classifier-training"
# torch from PyPI brings its own CUDA libraries: the base image needs none.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
TEST_SIZE = 0.25
# The train step's command line, as data-science/src/train.py defines it.
TRAIN_COMMAND = (
    "python train.py --train-data ${{inputs.train_data}} --model-output ${{outputs.model_output}} "
    "--epochs ${{inputs.epochs}} --batch-size ${{inputs.batch_size}} --learning-rate ${{inputs.learning_rate}} "
    "--image-size ${{inputs.image_size}} --seed ${{inputs.seed}} --num-workers 2"
)


def build_pipeline(
    *,
    raw_data: str | os.PathLike[str] = PUBLIC_DATA,
    compute: str = CPU_COMPUTE,
    gpu_compute: str = GPU_COMPUTE,
    processes_per_node: int = 1,
    nodes: int = 1,
    model_name: str = MODEL_NAME,
    production_model: str | None = None,
    test_size: float = TEST_SIZE,
    seed: int = 42,
    epochs: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    image_size: int = 64,
    min_improvement: float = 0.0,
    experiment_name: str = EXPERIMENT,
    image: str = IMAGE,
) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    ``raw_data`` is a .zip archive or folder of class folders: a local path (uploaded on submit), an https URL
    or an ``azureml:``/``azureml://`` URI (a folder when it ends with ``/``). The train step runs on
    ``gpu_compute`` with ``processes_per_node`` processes (one per GPU) on each of ``nodes`` nodes, the others on
    ``compute``. ``production_model`` is the model to beat, as an ``azureml:<name>:<version>`` (or
    ``azureml://``) URI; None means there is none, and the candidate is promoted.
    """
    from azure.ai.ml import Input, Output, PyTorchDistribution, dsl
    from azure.ai.ml.constants import AssetTypes

    steps = training.Steps(
        "image_classifier",
        raw_data=raw_data,
        compute=compute,
        image=image,
        model_name=MODEL_NAME,
        production_model=production_model,
        test_size=TEST_SIZE,
        prep_description="Split the raw image set into training and test images, class by class",
    )
    train_component = steps.component(
        "train",
        "Train the image classifier (DistributedDataParallel) and save it as an MLflow model",
        TRAIN_COMMAND,
        {
            "train_data": Input(type=AssetTypes.URI_FOLDER),
            "epochs": Input(type="integer", default=15),
            "batch_size": Input(type="integer", default=32),
            "learning_rate": Input(type="number", default=0.001),
            "image_size": Input(type="integer", default=64),
            "seed": Input(type="integer", default=42),
        },
        {"model_output": Output(type=AssetTypes.MLFLOW_MODEL)},
        compute=gpu_compute,
        distribution=PyTorchDistribution(process_count_per_instance=processes_per_node),
        instance_count=nodes,
    )

    # No annotations on the pipeline function: dsl reads them, and `from __future__ import annotations`
    # turns them into strings it cannot resolve.
    @dsl.pipeline(
        name="image_classifier_training",
        display_name="image-classifier training",
        description="prep -> train -> evaluate -> register (only when the candidate beats production)",
        experiment_name=experiment_name,
    )
    def training_pipeline(
        raw_data, test_size, seed, epochs, batch_size, learning_rate, image_size, min_improvement, registered_model_name
    ):
        prep = steps.prep(raw_data=raw_data, test_size=test_size, seed=seed)
        train = train_component(
            train_data=prep.outputs.train_data,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            image_size=image_size,
            seed=seed,
        )
        return steps.evaluate_and_register(
            train.outputs.model_output, prep.outputs.test_data, min_improvement, registered_model_name
        )

    return steps.job(
        training_pipeline,
        test_size=test_size,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        image_size=image_size,
        min_improvement=min_improvement,
        registered_model_name=model_name,
    )


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the image-classifier training pipeline (prep -> train -> evaluate -> register) and submit it to "
        "Azure ML.",
        compute_help=f"cluster of the other steps (default: cpu_cluster from config-infra, else {CPU_COMPUTE})",
    )
    parser.add_argument(
        "--gpu-compute", help=f"cluster of the train step (default: gpu_cluster from config-infra, else {GPU_COMPUTE})"
    )
    parser.add_argument("--processes-per-node", type=int, default=1, help="training processes per node, one per GPU")
    parser.add_argument("--nodes", type=int, default=1, help="nodes of the GPU cluster to train on (default: 1)")
    parser.add_argument(
        "--raw-data",
        default=PUBLIC_DATA,
        help="image set (.zip or folder of class folders), local, https or azureml: (default: fridgeObjects)",
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--image-size", type=int, default=64)
    training.add_run_arguments(
        parser,
        model_name=MODEL_NAME,
        experiment=EXPERIMENT,
        gate_help="accuracy gain needed to promote",
        test_size=TEST_SIZE,
        test_size_help="share of each class kept for evaluation",
    )
    return training.parse_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it (or print it with --dry-run). Returns the exit code."""
    args = parse_args(argv)

    def build(config: Mapping[str, Any], production_model: str | None) -> Any:
        return build_pipeline(
            **workspace.training_options(args, production_model),
            experiment_name=args.experiment_name,
            compute=args.compute or config.get("cpu_cluster") or CPU_COMPUTE,
            gpu_compute=args.gpu_compute or config.get("gpu_cluster") or GPU_COMPUTE,
            processes_per_node=args.processes_per_node,
            nodes=args.nodes,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            image_size=args.image_size,
        )

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())
