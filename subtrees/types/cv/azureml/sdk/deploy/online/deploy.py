"""Roll a version of image-classifier out to the managed online endpoint, in stages (mlops/azureml/rollout.py).

The endpoint, its deployments and the rollout are endpoints.py's and rollout.py's; this script names the model and
checks its smoke test: sample-request.json (beside it) holds base64-encoded images, which data-science/src/score.py
decodes as in training, and the answer must be one class per image.

    python mlops/azureml/deploy/online/deploy.py --environment dev        # --dry-run: print what it would create
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

HERE = Path(__file__).resolve().parent
SAMPLE_REQUEST = HERE / "sample-request.json"
SAMPLE_IMAGES = endpoints.PROJECT_ROOT / "data" / "images"
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
    answer, problems = endpoints.listed_answer(response, len(request["images"]), "images")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every answer names a class (label): {answer[:3]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Roll the model version out to the online endpoint in stages; the exit code."""
    return endpoints.online_main(
        argv,
        MODEL,
        SAMPLE_REQUEST,
        request_problems=request_problems,
        prediction_problems=prediction_problems,
        sample_request=lambda: request_text(build_sample_request()),
        sample_request_help="rewrite the request with one image of each class of data/images and exit",
    )


if __name__ == "__main__":
    sys.exit(main())
