"""Build the review-sentiment training pipeline with the Azure ML Python SDK v1 (azureml-core) and submit it.

END OF SUPPORT: Azure ML SDK v1 is past Microsoft's end of support since 30 June 2026 (training.py beside this
file says what that means). Move to the SDK v2 flavour: `copier update --trust -d mlops_version=python-sdk-v2`.

The pipeline has four steps, each a script of data-science/src, joined by PipelineData:

    prep      prep.py      cleans data/reviews.csv and splits it per label into train and test data (seeded)
    train     train.py     fine-tunes the base model (a Hugging Face transformer) with the transformers
                           Trainer and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data (accuracy, macro F1), against the current production
                           model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as review-sentiment-model only when decision.json says promote

The train step runs on the workspace's GPU cluster (gpu_cluster of config-infra-<environment>.yml) with
PyTorch distribution (a CommandStep): --processes-per-node processes on each of --train-nodes nodes, which
the Trainer trains together; SDK v1 fixes both when the pipeline is built (SDK v2 makes them pipeline
inputs). It keeps the Trainer's newest checkpoint in its `checkpoints` output. The other steps run on the
CPU cluster. Every step has a RunConfiguration whose environment
is built from data-science/environment/conda.yml. The workspace comes from config-infra-<environment>.yml at the project
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
DATASTORE_FOLDER = "review-sentiment/raw-data"


def build_steps(
    raw_data: Any,
    *,
    gpu_compute: str = model.GPU_COMPUTE,
    train_nodes: int = model.TRAIN_NODES,
    processes_per_node: int = model.PROCESSES_PER_NODE,
    base_model: str = model.BASE_MODEL,
    epochs: float = 3.0,
    batch_size: int = 16,
    accumulation_steps: int = 1,
    learning_rate: float = 5e-5,
    max_length: int = 128,
    precision: str = "auto",
    **options: Any,
) -> list[Any]:
    """The four steps, built without a workspace: the train step fine-tunes ``base_model`` on ``gpu_compute``,
    ``processes_per_node`` processes on each of ``train_nodes`` nodes; ``epochs`` to ``precision`` are the
    Trainer's, ``options`` those of ``training.Steps`` (which also says what ``raw_data`` is)."""
    steps = training.Steps(raw_data, environment="review-sentiment-train", **options)
    hyperparameters = steps.parameter_flags(
        base_model=base_model,
        epochs=epochs,
        batch_size=batch_size,
        accumulation_steps=accumulation_steps,
        learning_rate=learning_rate,
        max_length=max_length,
        precision=precision,
    )
    return steps.with_train(
        [*hyperparameters, "--num-workers", 2],
        target=gpu_compute,
        nodes=train_nodes,
        processes_per_node=processes_per_node,
        checkpoints=True,
    )


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the review-sentiment training pipeline (prep -> train -> evaluate -> register) with the Azure ML "
        "SDK v1 and submit it.",
    )
    parser.add_argument("--raw-data", default=str(model.RAW_DATA), help="local CSV file or folder (uploaded)")
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

    description = "review-sentiment training: prep, train, evaluate, register"
    return training.submit(args, build, description=description, datastore_folder=DATASTORE_FOLDER)


if __name__ == "__main__":
    sys.exit(main())
