"""Deploy the registered image classifier (image-classifier) to a managed online endpoint and smoke-test it.

With the Azure ML Python SDK v2 (azure-ai-ml), the script

1. creates the managed online endpoint (key authentication) or leaves the existing one as it is,
2. creates or updates the deployment (default: blue) with a version of image-classifier: in dev the newest
   version registered in the workspace, in prod the newest one promoted to the Azure ML registry,
3. sends all of the endpoint's traffic to that deployment, and
4. posts sample-request.json (beside this script) to the deployment and checks that it answers with one
   class per image.

The model is an MLflow pytorch model; data-science/src/score.py serves it (decoding the base64-encoded
images of a request the same way as in training) in the project's own environment: the Azure ML base image
plus data-science/environment/serving.yml, PyTorch's CPU build of the torch version the model was pickled with.

The endpoint name, workspace and registry come from config-infra-<environment>.yml at the project root;
the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's current account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/online/deploy.py --dry-run                 # print what it would create
    python mlops/azureml/deploy/online/deploy.py --environment dev
    python mlops/azureml/deploy/online/deploy.py --write-sample-request   # one image of each class of data/images
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line and Azure steps of the deploy scripts)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = workspace.PROJECT_ROOT
SAMPLE_REQUEST = HERE / "sample-request.json"
SAMPLE_IMAGES = PROJECT_ROOT / "data" / "images"
SOURCE_DIR = PROJECT_ROOT / "data-science" / "src"
CONDA_FILE = PROJECT_ROOT / "data-science" / "environment" / "serving.yml"
# The base image of data-science/pyproject.toml, written here by data-science/environment/generate.py.
IMAGE = "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")

MODEL_NAME = "image-classifier"
DEPLOYMENT = "blue"
INSTANCE_TYPE = "Standard_DS3_v2"
INSTANCE_COUNT = 1
LATEST = workspace.LATEST
# The newest version of the model in the workspace; the scripts resolve and print the exact version.
DEFAULT_MODEL = f"azureml:{MODEL_NAME}@{LATEST}"


def build_endpoint(name: str = "image-classifier-online", *, environment: str = "dev") -> Any:
    """The managed online endpoint (an ``azure.ai.ml.entities.ManagedOnlineEndpoint``), built offline."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(
        name=name,
        auth_mode="key",
        description=f"Image classification ({environment})",
        tags={"model": MODEL_NAME, "environment": environment},
    )


def build_deployment(
    endpoint_name: str = "image-classifier-online",
    model: str = DEFAULT_MODEL,
    *,
    name: str = DEPLOYMENT,
    instance_type: str = INSTANCE_TYPE,
    instance_count: int = INSTANCE_COUNT,
    image: str = IMAGE,
) -> Any:
    """The deployment (an ``azure.ai.ml.entities.ManagedOnlineDeployment``) of the model, scored by score.py, built
    offline. ``model`` is a model reference (see ``workspace.model_uri``)."""
    from azure.ai.ml.entities import CodeConfiguration, Environment, ManagedOnlineDeployment

    return ManagedOnlineDeployment(
        name=name,
        endpoint_name=endpoint_name,
        model=model,
        code_configuration=CodeConfiguration(code=str(SOURCE_DIR), scoring_script="score.py"),
        environment=Environment(image=image, conda_file=str(CONDA_FILE)),
        instance_type=instance_type,
        instance_count=instance_count,
        tags={"model": model},
    )


# --- the smoke request ------------------------------------------------------------------------------------------


def build_sample_request(images: Path = SAMPLE_IMAGES) -> dict[str, Any]:
    """A request with the first image (by name) of each class folder of ``images``, base64-encoded."""
    firsts = []
    for folder in sorted(path for path in images.iterdir() if path.is_dir()):
        files = sorted(path for path in folder.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            firsts.append(files[0])
    return {"images": [base64.b64encode(path.read_bytes()).decode("ascii") for path in firsts]}


def request_text(request: dict[str, Any]) -> str:
    """``request`` as the JSON text of sample-request.json: one line per image."""
    images = ",\n".join(f"    {json.dumps(text)}" for text in request["images"])
    return '{\n  "images": [\n' + images + "\n  ]\n}\n"


def request_problems(request: Any) -> list[str]:
    """Why ``request`` would not be understood by score.py (empty when it would)."""
    images = request.get("images") if isinstance(request, dict) else None
    if not isinstance(images, list) or not images:
        return ['the request has no non-empty "images" list']
    problems = []
    for position, text in enumerate(images, start=1):
        try:
            base64.b64decode(text, validate=True)
        except (TypeError, ValueError):
            problems.append(f"image {position} is not a base64 string")
    return problems


def prediction_problems(response: str, request: dict[str, Any]) -> list[str]:
    """Why the answer to ``request`` is not one class (with its probability) per image (empty when it is)."""
    images = len(request["images"])
    try:
        answer = json.loads(response)
    except json.JSONDecodeError:
        return [f"the answer is not JSON: {response[:200]}"]
    if isinstance(answer, str):  # some servers send the JSON document as a JSON string
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            return [f"the answer is not a list of classes: {answer[:200]}"]
    if not isinstance(answer, list):
        return [f"the answer is not a list of classes: {response[:200]}"]
    problems = []
    if len(answer) != images:
        problems.append(f"{len(answer)} answers for {images} images")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every answer names a class (label): {answer[:3]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Create or update the endpoint and its deployment, route traffic to it, smoke-test it."""
    args = endpoints.parse_online_args(
        argv,
        "Deploy the registered image classifier image-classifier to the managed online endpoint of "
        "config-infra-<environment>.yml and send it sample-request.json.",
        model_name=MODEL_NAME,
        deployment=DEPLOYMENT,
        instance_type=INSTANCE_TYPE,
        instance_count=INSTANCE_COUNT,
        request_file=SAMPLE_REQUEST,
        sample_request_help="rewrite the request file with one image of each class of data/images and exit",
    )
    return endpoints.deploy_online(
        args,
        build_endpoint=build_endpoint,
        build_deployment=build_deployment,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
        sample_request=lambda: request_text(build_sample_request()),
    )


if __name__ == "__main__":
    sys.exit(main())
