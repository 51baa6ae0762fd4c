"""Build the image-classifier training pipeline with the Azure ML Python SDK v2 (azure-ai-ml) and submit it.

The pipeline has four command steps, each a script of data-science/src:

    prep      prep.py      checks the image set and splits every class into training and test images (seeded)
    train     train.py     fine-tunes a torchvision backbone (DistributedDataParallel on the GPU cluster) and
                           saves the best epoch's model as an MLflow model
    evaluate  evaluate.py  scores it on the test images (accuracy, per-class precision/recall/F1), against the
                           current production model if there is one, and writes decision.json (promote or not)
    register  register.py  registers the model as image-classifier only when decision.json says promote

The train step runs on the GPU cluster (gpu_cluster of config-infra-<environment>.yml) with Azure ML's PyTorch
distribution: its nodes (instance_count) and processes per node (process_count_per_instance) are pipeline
inputs, so a run can be scaled in the studio without a new pipeline. It writes a checkpoint after every
epoch to its `checkpoints` output, from which a job restarted after a preemption resumes. The other steps run
on the CPU cluster (cpu_cluster), all in an environment built from data-science/environment/conda.yml. The
images are by default the public fridgeObjects set (134 photos of four kinds of items, zipped), read straight
from where Microsoft publishes it; --raw-data takes your own (a local folder of class folders is uploaded, or
an azureml: data asset).

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
    "--base-model ${{inputs.base_model}} --weights ${{inputs.weights}} "
    "--epochs ${{inputs.epochs}} --batch-size ${{inputs.batch_size}} --learning-rate ${{inputs.learning_rate}} "
    "--accumulation-steps ${{inputs.accumulation_steps}} --precision ${{inputs.precision}} "
    "--image-size ${{inputs.image_size}} --seed ${{inputs.seed}} --num-workers 4 "
    "--checkpoint-dir ${{outputs.checkpoints}} --profile-steps ${{inputs.profile_steps}} "
    "--profile-output outputs/profiler"
)


def build_pipeline(
    *,
    gpu_compute: str = model.GPU_COMPUTE,
    processes_per_node: int = 1,
    nodes: int = 1,
    base_model: str = model.BASE_MODEL,
    epochs: int = 15,
    batch_size: int = 32,
    accumulation_steps: int = 1,
    learning_rate: float = 0.0005,
    precision: str = "auto",
    image_size: int = 224,
    profile_steps: int = 0,
    **options: Any,
) -> Any:
    """The training pipeline job (an ``azure.ai.ml.entities.PipelineJob``), built without a workspace.

    The train step runs on ``gpu_compute`` with ``processes_per_node`` processes (one per GPU) on each of
    ``nodes`` nodes (both pipeline inputs); ``base_model`` (a torchvision architecture) to ``profile_steps`` are the
    training's. ``options`` are those of
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
            "base_model": Input(type="string", default=model.BASE_MODEL),
            "weights": Input(type="string", default="DEFAULT"),
            "epochs": Input(type="integer", default=15),
            "batch_size": Input(type="integer", default=32),
            "accumulation_steps": Input(type="integer", default=1),
            "learning_rate": Input(type="number", default=0.0005),
            "precision": Input(type="string", default="auto"),
            "image_size": Input(type="integer", default=224),
            "profile_steps": Input(type="integer", default=0),
            "seed": Input(type="integer", default=42),
        },
        # checkpoints: read-write mounted, so a job restarted after a preemption finds the last epoch's.
        {
            "model_output": Output(type=AssetTypes.MLFLOW_MODEL),
            "checkpoints": Output(type=AssetTypes.URI_FOLDER, mode="rw_mount"),
        },
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
        raw_data,
        test_size,
        seed,
        base_model,
        epochs,
        batch_size,
        accumulation_steps,
        learning_rate,
        precision,
        image_size,
        profile_steps,
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
            precision=precision,
            image_size=image_size,
            profile_steps=profile_steps,
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
        precision=precision,
        image_size=image_size,
        profile_steps=profile_steps,
        instance_count=nodes,
        process_count_per_instance=processes_per_node,
    )


# --- command line ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = training.argument_parser(
        "Build the image-classifier training pipeline (prep -> train -> evaluate -> register) and submit it to "
        "Azure ML.",
    )
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
        return build_pipeline(**options, **model.hyperparameters(args))

    return training.submit(args, build)


if __name__ == "__main__":
    sys.exit(main())
