"""Roll a version of the registered image classifier (image-classifier) out to the managed online endpoint, in stages.

With the Azure ML Python SDK v2 (azure-ai-ml), the script deploys a version of image-classifier (in dev the newest
version registered in the workspace, in prod the newest one promoted to the Azure ML registry) to the managed online
endpoint of config-infra-<environment>.yml as mlops/azureml/rollout.py describes: a new deployment beside the live
one, with no traffic; sample-request.json (beside this script) sent to it directly, which it must answer with one
class per image; then the traffic in the steps of mlops/rollout.yml, with a health check at each;
the previous deployment goes last, and any failure rolls back.

The model is an MLflow pytorch model; data-science/src/score.py serves it (decoding the base64-encoded images of a
request the same way as in training) in the project's own environment: the Azure ML base image plus
data-science/environment/conda.yml, with the torch version the model was pickled with. score.py logs what it sees
of each image and its answers through Azure ML's data collector, for the model monitor.

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
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

HERE = Path(__file__).resolve().parent
SAMPLE_REQUEST = HERE / "sample-request.json"
SAMPLE_IMAGES = workspace.PROJECT_ROOT / "data" / "images"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
# A CPU instance is enough for this small network.
MODEL = endpoints.OnlineModel(name="image-classifier", description="Image classification")


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
    answer, problem = endpoints.json_answer(response)
    if problem:
        return [problem]
    if not isinstance(answer, list):
        return [f"the answer is not a list of classes: {response[:200]}"]
    problems = []
    if len(answer) != images:
        problems.append(f"{len(answer)} answers for {images} images")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every answer names a class (label): {answer[:3]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Roll the model version out to the online endpoint in stages; the exit code."""
    args = endpoints.parse_online_args(
        argv,
        "Roll a version of the registered image classifier image-classifier out to the managed online endpoint of "
        "config-infra-<environment>.yml, in stages, smoke-testing it with sample-request.json.",
        MODEL,
        SAMPLE_REQUEST,
        sample_request_help="rewrite the request file with one image of each class of data/images and exit",
    )
    return endpoints.deploy_online(
        args,
        MODEL,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
        sample_request=lambda: request_text(build_sample_request()),
    )


if __name__ == "__main__":
    sys.exit(main())
