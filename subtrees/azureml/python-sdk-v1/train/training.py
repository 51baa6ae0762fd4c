"""What the training pipeline of every project type does alike with the Azure ML Python SDK v1 (azureml-core).

END OF SUPPORT: Azure ML SDK v1 (azureml-core, azureml-pipeline-*) is past Microsoft's end of support. It was
deprecated on 31 March 2025 and its support ended on 30 June 2026: pipelines keep running, but the SDK gets
no fixes any more, security fixes included, and new Azure ML features (managed online endpoints, registries,
serverless compute) never reach it. Keep this flavour only while you move legacy code, then switch the project
to the SDK v2 flavour, which builds the same pipeline with azure-ai-ml:

    copier update --trust -d mlops_version=python-sdk-v2

pipeline.py beside this file builds its model's pipeline, prep -> train -> evaluate -> register, from
``Steps``: PythonScriptSteps that run data-science/src/<step>.py with one RunConfiguration, joined by
PipelineData, their settings PipelineParameters (changeable per run in the studio or the REST API without a
new pipeline). The prep, evaluate and register steps are the same for every model and are made here;
pipeline.py adds its train step and its hyperparameters; a train step with ``nodes`` runs with PyTorch
distribution (a CommandStep), which SDK v1 fixes when the pipeline is built. ``submit()`` is the flow of
pipeline.py's command line: the workspace, the production model to beat, the pipeline built and submitted,
followed (--wait) and its registration reported to the next CI step.

Nothing here contacts Azure until ``submit()`` does; pipeline.py has put mlops/azureml on ``sys.path``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import model_settings
import sdk_v1  # mlops/azureml/sdk_v1.py: sign-in and data movement azureml-core lacks
import workspace as project  # mlops/azureml/workspace.py ("workspace" is the Azure ML workspace here)

# Lets an SDK v1 run download its input dataset (added to the packages of conda.yml for Azure ML only).
DATASET_RUNTIME = "azureml-dataset-runtime[fuse]==1.62.0.post1"
REGISTER_STEP = "register"
END_OF_SUPPORT = (
    "warning: Azure ML SDK v1 is past end of support (30 June 2026); "
    "move with `copier update --trust -d mlops_version=python-sdk-v2`"
)


def build_run_config(name: str, image: str) -> Any:
    """The RunConfiguration of every step: the conda environment of data-science/environment/conda.yml, named
    ``name``, on the base image ``image``."""
    from azureml.core import Environment
    from azureml.core.runconfig import RunConfiguration

    environment = Environment.from_conda_specification(name=name, file_path=str(project.CONDA_FILE))
    environment.docker.base_image = image
    environment.python.conda_dependencies.add_pip_package(DATASET_RUNTIME)
    run_config = RunConfiguration()
    run_config.environment = environment
    return run_config


class Steps:
    """The steps of one training pipeline, built without a workspace.

    ``raw_data`` is the prep step's input (a dataset consumption config such as
    ``dataset.as_named_input("raw_data").as_download()``). The options default to model_settings.py:
    ``compute`` (the cluster of every step but where pipeline.py says otherwise), ``image`` (the base image of
    the environment ``environment``), ``model_name``, ``production_model`` (an MLflow model URI,
    ``models:/<name>/<version>``, that evaluate.py loads in the job; None when there is none), ``test_size``,
    ``seed`` and ``min_improvement``.
    """

    def __init__(
        self,
        raw_data: Any,
        *,
        environment: str,
        compute: str = model_settings.COMPUTE,
        image: str = model_settings.IMAGE,
        model_name: str = model_settings.MODEL_NAME,
        production_model: str | None = None,
        test_size: float = model_settings.TEST_SIZE,
        seed: int = 42,
        min_improvement: float = 0.0,
    ) -> None:
        from azureml.pipeline.core import PipelineData

        self.compute = compute
        self.run_config = build_run_config(environment, image)
        self.raw_data = raw_data
        self.production_model = production_model
        self.data = {
            name: PipelineData(name, is_directory=True)
            for name in ("train_data", "test_data", "model_output", "evaluation_output", "registration_output")
        }
        self.test_size = self.parameter("test_size", test_size)
        self.seed = self.parameter("seed", seed)
        self.min_improvement = self.parameter("min_improvement", min_improvement)
        self.model_name = self.parameter("model_name", model_name)

    @staticmethod
    def parameter(name: str, value: Any) -> Any:
        """A pipeline parameter with ``value`` as its default."""
        from azureml.pipeline.core import PipelineParameter

        return PipelineParameter(name, default_value=value)

    def parameter_flags(self, **values: Any) -> list[Any]:
        """The command-line flags of ``values``, each value a pipeline parameter of that name:
        ``parameter_flags(max_depth=10)`` is ``["--max-depth", <pipeline parameter max_depth = 10>]``."""
        flags: list[Any] = []
        for name, value in values.items():
            flags += ["--" + name.replace("_", "-"), self.parameter(name, value)]
        return flags

    def step(
        self, name: str, arguments: list[Any], inputs: list[Any], outputs: list[Any], reuse: bool, target: str = ""
    ) -> Any:
        """A PythonScriptStep running data-science/src/<name>.py on ``target`` (default: the CPU compute)."""
        from azureml.pipeline.steps import PythonScriptStep

        return PythonScriptStep(
            name=name,
            script_name=f"{name}.py",
            source_directory=str(project.SOURCE_DIR),
            arguments=arguments,
            inputs=inputs,
            outputs=outputs,
            compute_target=target or self.compute,
            runconfig=self.run_config,
            allow_reuse=reuse,
        )

    def distributed_step(
        self,
        name: str,
        arguments: list[Any],
        inputs: list[Any],
        outputs: list[Any],
        target: str,
        nodes: int,
        processes_per_node: int,
    ) -> Any:
        """A CommandStep running data-science/src/<name>.py on ``target`` with PyTorch distribution over ``nodes``
        nodes x ``processes_per_node`` processes (SDK v1's pipeline parameters cannot change a process count)."""
        from azureml.core import ScriptRunConfig
        from azureml.core.runconfig import PyTorchConfiguration
        from azureml.pipeline.steps import CommandStep

        config = ScriptRunConfig(
            source_directory=str(project.SOURCE_DIR),
            compute_target=target or self.compute,
            environment=self.run_config.environment,
            distributed_job_config=PyTorchConfiguration(process_count=nodes * processes_per_node, node_count=nodes),
        )
        return CommandStep(
            name=name,
            command=[f"python {name}.py", *arguments],
            runconfig=config,
            inputs=inputs,
            outputs=outputs,
            compute_target=target or self.compute,
            allow_reuse=True,
        )

    def with_train(
        self,
        train_arguments: list[Any],
        target: str = "",
        *,
        nodes: int = 0,
        processes_per_node: int = 1,
        checkpoints: bool = False,
    ) -> list[Any]:
        """The four steps, the train step with ``train_arguments`` (the model's own flags) on ``target``.

        With ``nodes``, the train step runs with PyTorch distribution: ``processes_per_node`` processes (one per
        GPU) on each of ``nodes`` nodes, which set RANK, WORLD_SIZE, LOCAL_RANK and the master address as torchrun
        does. With ``checkpoints``, it gets a ``checkpoints`` output as ``--checkpoint-dir``, from which a run
        restarted after a preemption resumes.
        """
        from azureml.pipeline.core import PipelineData

        data = self.data
        train_outputs = [data["model_output"]]
        if checkpoints:
            train_outputs.append(PipelineData("checkpoints", is_directory=True))
            train_arguments = [*train_arguments, "--checkpoint-dir", train_outputs[-1]]
        prep = self.step(
            "prep",
            ["--raw-data", self.raw_data, "--train-data", data["train_data"], "--test-data", data["test_data"]]
            + ["--test-size", self.test_size, "--seed", self.seed],
            [self.raw_data],
            [data["train_data"], data["test_data"]],
            reuse=True,
        )
        train_arguments = [
            *["--train-data", data["train_data"], "--model-output", data["model_output"], *train_arguments],
            *["--seed", self.seed],
        ]
        if nodes:
            train = self.distributed_step(
                "train", train_arguments, [data["train_data"]], train_outputs, target, nodes, processes_per_node
            )
        else:
            train = self.step("train", train_arguments, [data["train_data"]], train_outputs, reuse=True, target=target)
        # Evaluation and registration depend on the registry's state, not only on their inputs: never reused.
        production = ["--production-model", self.production_model] if self.production_model else []
        evaluate = self.step(
            "evaluate",
            ["--model-input", data["model_output"], "--test-data", data["test_data"]]
            + ["--evaluation-output", data["evaluation_output"], "--min-improvement", self.min_improvement]
            + production,
            [data["model_output"], data["test_data"]],
            [data["evaluation_output"]],
            reuse=False,
        )
        register = self.step(
            REGISTER_STEP,
            ["--model-input", data["model_output"], "--evaluation-output", data["evaluation_output"]]
            + ["--model-name", self.model_name, "--registration-output", data["registration_output"]],
            [data["model_output"], data["evaluation_output"]],
            [data["registration_output"]],
            reuse=False,
        )
        return [prep, train, evaluate, register]


def dataset(workspace: Any, raw_data: str | Path, folder: str) -> Any:
    """The file dataset of ``raw_data``: read from where it is when it is a URL, else the local file or folder,
    uploaded to ``folder`` of the workspace's default datastore (by sdk_v1.py, as the caller)."""
    from azureml.core import Dataset

    if "://" in str(raw_data):
        return Dataset.File.from_files(path=str(raw_data))
    return sdk_v1.upload_dataset(Path(raw_data), workspace, folder)


def latest_model_uri(workspace: Any, name: str) -> str | None:
    """``models:/<name>/<version>`` of the newest registered version of the model, None when it has none."""
    from azureml.core.model import Model

    models = Model.list(workspace, name=name, latest=True)
    return f"models:/{name}/{models[0].version}" if models else None


# --- command line ------------------------------------------------------------------------------------------------


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The parser of pipeline.py with the workspace flags and --compute; pipeline.py adds its model's flags,
    then ``add_run_arguments``."""
    return project.training_parser(
        f"{description} SDK v1 is past end of support (30 June 2026): move to python-sdk-v2 with "
        "`copier update --trust -d mlops_version=python-sdk-v2`."
    )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags about the model to beat, the split and the run (``project.add_training_arguments``)."""
    example = f"models:/{model_settings.MODEL_NAME}/3"
    project.add_training_arguments(parser, model_uri=f"an MLflow model URI such as {example}")


def parse_args(parser: argparse.ArgumentParser, argv: Any) -> argparse.Namespace:
    """The flags; a local --raw-data must exist (a URL is read from where it is)."""
    return project.parse_training_args(parser, argv, is_remote=lambda path: "://" in path)


def submit(
    args: argparse.Namespace,
    build_steps: Callable[[Any, dict[str, Any]], list[Any]],
    *,
    description: str,
    datastore_folder: str,
) -> int:
    """Build the pipeline of ``build_steps(raw_data, options)`` and submit it; the exit code. ``raw_data`` is the
    dataset of --raw-data (uploaded to ``datastore_folder`` when it is local), the ``options`` for ``Steps``
    come from the flags, config-infra-<environment>.yml and the model to beat."""
    print(END_OF_SUPPORT, file=sys.stderr)
    config = project.read_config(args.environment)
    found = project.workspace_of(args, config)
    if found is None:
        return 2
    subscription_id, resource_group, workspace_name = found

    from azureml.core import Experiment, Workspace
    from azureml.pipeline.core import Pipeline

    # `az login` on a laptop; in CI a sign-in that renews itself while the run is awaited (sdk_v1.py).
    workspace = Workspace.get(
        name=workspace_name,
        subscription_id=subscription_id,
        resource_group=resource_group,
        auth=sdk_v1.authentication(),
    )
    if args.production_model == project.AUTO:
        production = latest_model_uri(workspace, args.model_name)
    else:
        production = None if args.production_model == project.NONE else args.production_model
    print(f"Production model to beat: {production or 'none (the candidate is promoted)'}")

    options = project.training_options(args, config, production)
    raw_data = dataset(workspace, options.pop("raw_data"), datastore_folder).as_named_input("raw_data")
    steps = build_steps(raw_data.as_download(), options)
    run = Experiment(workspace, args.experiment_name).submit(
        Pipeline(workspace=workspace, steps=steps, description=description)
    )
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
