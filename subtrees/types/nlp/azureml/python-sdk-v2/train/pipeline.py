"""Build the review-sentiment training pipeline with the Azure ML Python SDK v2 (azure-ai-ml) and submit it.

The pipeline has four command steps, each a script of data-science/src:

    prep      prep.py      cleans data/reviews.csv and splits it per label into train and test data (seeded)
    train     train.py     fine-tunes the base model (a Hugging Face transformer) with the transformers
                           Trainer and saves it as an MLflow model
    evaluate  evaluate.py  scores it on the test data (accuracy, macro F1), against the current production
                           model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as review-sentiment-model only when decision.json says promote

The train step runs on the workspace's GPU cluster (gpu_cluster of config-infra-<environment>.yml) with
PyTorch distribution: one process per GPU on --train-nodes nodes, trained together by the Trainer. The
other steps run on the CPU cluster. Every step uses an environment built from
data-science/environment/conda.yml; training.py beside this file makes the steps every model shares and
runs the command line. `build_pipeline()` builds the job offline: nothing is uploaded and no
workspace is contacted until `main()` submits it. The workspace comes from config-infra-<environment>.yml
at the project root unless --resource-group/--workspace say otherwise; the subscription from
--subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/train/pipeline.py --dry-run              # print the job as YAML, no Azure needed
    az login
    python mlops/azureml/train/pipeline.py --environment dev --wait [--base-model bert-base-uncased]
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
    "--base-model ${{inputs.base_model}} --epochs ${{inputs.epochs}} --batch-size ${{inputs.batch_size}} "
    "--learning-rate ${{inputs.learning_rate}} --max-length ${{inputs.max_length}} --seed ${{inputs.seed}} "
    "--accumulation-steps ${{inputs.accumulation_steps}} --precision ${{inputs.precision}} --num-workers 2 "
    "--checkpoint-dir ${{outputs.checkpoints}}"
)


def build_pipeline(
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
) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    The train step fine-tunes ``base_model`` (a Hugging Face Hub name) with ``processes_per_node`` processes on
    each of ``train_nodes`` nodes of ``gpu_compute`` (both pipeline inputs); ``epochs`` to ``precision`` are the
    Trainer's. ``options`` are those of
    ``training.Steps``: the raw data (a local CSV file or folder, uploaded on submit, or an
    ``azureml:``/``azureml://`` URI), the CPU cluster, the image, the names, the split and the model to beat;
    they default to mlops/azureml/model_settings.py.
    """
    from azure.ai.ml import Input, Output, PyTorchDistribution, dsl
    from azure.ai.ml.constants import AssetTypes

    steps = training.Steps(
        "review_sentiment",
        prep_description="Clean the labelled reviews and split them into train and test data",
        **options,
    )
    train_component = steps.component(
        "train",
        "Fine-tune the base model on the training texts and save it as an MLflow model",
        TRAIN_COMMAND,
        {
            "train_data": Input(type=AssetTypes.URI_FOLDER),
            "base_model": Input(type="string", default=model.BASE_MODEL),
            "epochs": Input(type="number", default=3.0),
            "batch_size": Input(type="integer", default=16),
            "accumulation_steps": Input(type="integer", default=1),
            "learning_rate": Input(type="number", default=5e-5),
            "max_length": Input(type="integer", default=128),
            "precision": Input(type="string", default="auto"),
            "seed": Input(type="integer", default=42),
        },
        # checkpoints: read-write mounted, so a job restarted after a preemption finds the newest one.
        {
            "model_output": Output(type=AssetTypes.MLFLOW_MODEL),
            "checkpoints": Output(type=AssetTypes.URI_FOLDER, mode="rw_mount"),
        },
        compute=gpu_compute,
        distribution=PyTorchDistribution(process_count_per_instance=processes_per_node),
        instance_count=train_nodes,
    )

    # No annotations on the pipeline function: dsl reads them, and `from __future__ import annotations`
    # turns them into strings it cannot resolve.
    @dsl.pipeline(
        name="review_sentiment_training",
        display_name="review-sentiment training",
        description="prep -> train (GPU) -> evaluate -> register (only when the candidate beats production)",
        experiment_name=steps.experiment_name,
    )
    def training_pipeline(
        raw_data,
        base_model,
        test_size,
        seed,
        epochs,
        batch_size,
        accumulation_steps,
        learning_rate,
        max_length,
        precision,
        min_improvement,
        registered_model_name,
        instance_count,
        process_count_per_instance,
    ):
        prep = steps.prep(raw_data=raw_data, test_size=test_size, seed=seed)
        train = train_component(
            train_data=prep.outputs.train_data,
            base_model=base_model,
            epochs=epochs,
            batch_size=batch_size,
            accumulation_steps=accumulation_steps,
            learning_rate=learning_rate,
            max_length=max_length,
            precision=precision,
            seed=seed,
        )
        # The scale of the train step, as pipeline inputs: nodes, and processes (GPUs) per node.
        train.resources.instance_count = instance_count
        train.distribution.process_count_per_instance = process_count_per_instance
        return steps.evaluate_and_register(
            train.outputs.model_output, prep.outputs.test_data, min_improvement, registered_model_name
        )

    return steps.job(
        training_pipeline,
        base_model=base_model,
        epochs=epochs,
        batch_size=batch_size,
        accumulation_steps=accumulation_steps,
        learning_rate=learning_rate,
        max_length=max_length,
        precision=precision,
        instance_count=train_nodes,
        process_count_per_instance=processes_per_node,
    )


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the review-sentiment training pipeline (prep -> train -> evaluate -> register) and submit it to "
        "Azure ML.",
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
