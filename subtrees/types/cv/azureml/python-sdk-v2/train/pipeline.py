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
    "--epochs ${{inputs.epochs}} --batch-size ${{inputs.batch_size}} --learning-rate ${{inputs.learning_rate}} "
    "--image-size ${{inputs.image_size}} --seed ${{inputs.seed}} --num-workers 2"
)


def build_pipeline(
    *,
    gpu_compute: str = model.GPU_COMPUTE,
    processes_per_node: int = 1,
    nodes: int = 1,
    epochs: int = 15,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    image_size: int = 64,
    **options: Any,
) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    The train step runs on ``gpu_compute`` with ``processes_per_node`` processes (one per GPU) on each of
    ``nodes`` nodes; ``epochs`` to ``image_size`` are the network's. ``options`` are those of
    ``training.Steps``: the image set (a .zip archive or folder of class folders: a local path, uploaded on
    submit, an https URL or an ``azureml:``/``azureml://`` URI), the cluster of the other steps, the image, the
    names, the split and the model to beat; they default to mlops/azureml/model_settings.py.
    """
    from azure.ai.ml import Input, Output, PyTorchDistribution, dsl
    from azure.ai.ml.constants import AssetTypes

    steps = training.Steps(
        "image_classifier",
        prep_description="Split the raw image set into training and test images, class by class",
        **options,
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
        experiment_name=steps.experiment_name,
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
        training_pipeline, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, image_size=image_size
    )


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the image-classifier training pipeline (prep -> train -> evaluate -> register) and submit it to "
        "Azure ML.",
    )
    parser.add_argument("--processes-per-node", type=int, default=1, help="training processes per node, one per GPU")
    parser.add_argument("--nodes", type=int, default=1, help="nodes of the GPU cluster to train on (default: 1)")
    parser.add_argument(
        "--raw-data",
        default=model.RAW_DATA,
        help="image set (.zip or folder of class folders), local, https or azureml: (default: fridgeObjects)",
    )
    model.add_arguments(parser)
    training.add_run_arguments(parser)
    return training.parse_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it (or print it with --dry-run). Returns the exit code."""
    args = parse_args(argv)

    def build(options: dict[str, Any]) -> Any:
        return build_pipeline(
            **options,
            **model.hyperparameters(args),
            processes_per_node=args.processes_per_node,
            nodes=args.nodes,
        )

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())
