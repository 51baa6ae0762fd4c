"""What the training pipeline of every project type does alike with the Azure ML Python SDK v2 (azure-ai-ml).

pipeline.py beside this file builds its model's pipeline, prep -> train -> evaluate -> register, from
``Steps``: command components that run data-science/src/<step>.py in one environment (a base image with
data-science/environment/conda.yml), named ``<prefix>_<step>``. The prep, evaluate and register steps are
the same for every model and are made here; pipeline.py adds its train step and its hyperparameters.
``submit()`` is the flow of pipeline.py's command line: the production model to beat, the job built, then
printed (--dry-run) or submitted, followed (--wait) and its registration reported to the next CI step.

Nothing here contacts Azure until ``submit()`` does; pipeline.py has put mlops/azureml on ``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import model_settings
import workspace

# The command line of each shared step, as data-science/src/<step>.py defines it. `$[[...]]` is left out
# when the optional input inside it has no value.
PREP_COMMAND = (
    "python prep.py --raw-data ${{inputs.raw_data}} --train-data ${{outputs.train_data}} "
    "--test-data ${{outputs.test_data}} --test-size ${{inputs.test_size}} --seed ${{inputs.seed}}"
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


def data_input(raw_data: str | os.PathLike[str]) -> Any:
    """The pipeline input of ``raw_data``: a local file or folder (uploaded on submit), or a URI in Azure (a
    folder when it ends with ``/``)."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import AssetTypes

    path = str(raw_data)
    if is_remote(path):
        return Input(type=AssetTypes.URI_FOLDER if path.endswith("/") else AssetTypes.URI_FILE, path=path)
    local = Path(path).resolve()
    return Input(type=AssetTypes.URI_FOLDER if local.is_dir() else AssetTypes.URI_FILE, path=str(local))


class Steps:
    """The components of one training pipeline, and the prep, evaluate and register steps every model has.

    The options default to model_settings.py: ``raw_data`` (a local file or folder, uploaded on submit, or a
    URI in Azure), ``compute`` (the cluster of every step but where pipeline.py says otherwise), ``image`` (the
    base image of the environment), ``model_name``, ``production_model`` (the model to beat, as an
    ``azureml:<name>:<version>`` or ``azureml://`` URI; None means there is none, and the candidate is
    promoted), ``test_size``, ``seed``, ``min_improvement`` and ``experiment_name``.
    """

    def __init__(
        self,
        prefix: str,
        *,
        prep_description: str,
        raw_data: str | os.PathLike[str] = model_settings.RAW_DATA,
        compute: str = model_settings.COMPUTE,
        image: str = model_settings.IMAGE,
        model_name: str = model_settings.MODEL_NAME,
        production_model: str | None = None,
        test_size: float = model_settings.TEST_SIZE,
        seed: int = 42,
        min_improvement: float = 0.0,
        experiment_name: str = model_settings.EXPERIMENT,
    ) -> None:
        from azure.ai.ml import Input, Output
        from azure.ai.ml.constants import AssetTypes
        from azure.ai.ml.entities import Environment

        self.prefix = prefix
        self.compute = compute
        self.experiment_name = experiment_name
        raw_data_input = data_input(raw_data)
        # The pipeline's inputs that every model has; pipeline.py's pipeline function takes them by these names.
        self.inputs = {
            "raw_data": raw_data_input,
            "test_size": test_size,
            "seed": seed,
            "min_improvement": min_improvement,
            "registered_model_name": model_name,
        }
        # Anonymous: Azure ML names it after the hash of image + conda file and rebuilds only when they change.
        self.environment = Environment(image=image, conda_file=workspace.CONDA_FILE)
        # The model to beat is bound straight to the evaluate step rather than made a pipeline input: without
        # one nothing is bound, and evaluate.py runs without --production-model.
        self.model_to_beat = (
            {"production_model": Input(type=AssetTypes.MLFLOW_MODEL, path=production_model)} if production_model else {}
        )
        self.prep = self.component(
            "prep",
            prep_description,
            PREP_COMMAND,
            {
                "raw_data": Input(type=raw_data_input.type),
                "test_size": Input(type="number", default=model_settings.TEST_SIZE),
                "seed": Input(type="integer", default=42),
            },
            {"train_data": Output(type=AssetTypes.URI_FOLDER), "test_data": Output(type=AssetTypes.URI_FOLDER)},
        )
        self.evaluate = self.component(
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
        self.register = self.component(
            "register",
            "Register the model when the evaluation decided to promote it",
            REGISTER_COMMAND,
            {
                "model_input": Input(type=AssetTypes.MLFLOW_MODEL),
                "evaluation_output": Input(type=AssetTypes.URI_FOLDER),
                "model_name": Input(type="string", default=model_settings.MODEL_NAME),
            },
            {"registration_output": Output(type=AssetTypes.URI_FOLDER)},
        )

    def component(self, name: str, description: str, script: str, inputs: dict, outputs: dict, **options: Any) -> Any:
        """A command component running ``script`` in data-science/src; ``options`` (compute, distribution,
        instance_count) override the defaults."""
        from azure.ai.ml import command

        return command(
            name=f"{self.prefix}_{name}",
            display_name=name,
            description=description,
            code=workspace.SOURCE_DIR,
            command=script,
            inputs=inputs,
            outputs=outputs,
            environment=self.environment,
            **{"compute": self.compute, **options},
        )

    def evaluate_and_register(self, model: Any, test_data: Any, min_improvement: Any, model_name: Any) -> dict:
        """Inside the pipeline function: evaluate the trained ``model`` on ``test_data``, register it when the
        evaluation promotes it; the pipeline's outputs."""
        evaluate = self.evaluate(
            model_input=model, test_data=test_data, min_improvement=min_improvement, **self.model_to_beat
        )
        register = self.register(
            model_input=model, evaluation_output=evaluate.outputs.evaluation_output, model_name=model_name
        )
        # dsl names a node after its variable in the pipeline function; these are made here, so name them.
        evaluate.name, register.name = "evaluate", "register"
        return {
            "trained_model": model,
            "evaluation": evaluate.outputs.evaluation_output,
            "registration": register.outputs.registration_output,
        }

    def job(self, pipeline: Callable[..., Any], **hyperparameters: Any) -> Any:
        """The job of ``pipeline`` (a ``@dsl.pipeline`` function) with the inputs every model has and the train
        step's ``hyperparameters``."""
        job = pipeline(**self.inputs, **hyperparameters)
        job.settings.default_compute = self.compute
        return job


# --- command line ------------------------------------------------------------------------------------------------


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The parser of pipeline.py with the workspace flags and --compute; pipeline.py adds its model's flags,
    then ``add_run_arguments``."""
    return workspace.training_parser(description)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags about the model to beat, the split and the run (``workspace.add_training_arguments``), and
    --dry-run."""
    workspace.add_training_arguments(parser, model_uri="an azureml: model URI")
    parser.add_argument("--dry-run", action="store_true", help="print the pipeline job as YAML and submit nothing")


def parse_args(parser: argparse.ArgumentParser, argv: Any) -> argparse.Namespace:
    """The flags; a local --raw-data must exist."""
    return workspace.parse_training_args(parser, argv, is_remote)


def submit(args: argparse.Namespace, build: Callable[[dict[str, Any]], Any]) -> int:
    """Build the job with ``build(options)`` and submit it, or print it with --dry-run; the exit code. The
    ``options`` for ``Steps`` come from the flags, config-infra-<environment>.yml and the model to beat."""
    config = workspace.read_config(args.environment)
    production = None if args.production_model in (workspace.AUTO, workspace.NONE) else args.production_model
    client = None
    if not args.dry_run:
        found = workspace.workspace_of(args, config, hint="use --dry-run to build the job without Azure")
        if found is None:
            return 2
        client = workspace.ml_client(*found)
        if args.production_model == workspace.AUTO:
            newest = workspace.newest_version(client, args.model_name)
            production = workspace.model_uri(args.model_name, newest) if newest else None
        print(f"Production model to beat: {production or 'none (the candidate is promoted)'}")

    job = build({**workspace.training_options(args, config, production), "experiment_name": args.experiment_name})
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
