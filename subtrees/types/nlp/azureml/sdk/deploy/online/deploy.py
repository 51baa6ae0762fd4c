"""Roll a version of review-sentiment-model out to the managed online endpoint, in stages (mlops/azureml/rollout.py).

The endpoint, its deployments and the rollout are endpoints.py's and rollout.py's; this script names the model and
checks its smoke test: sample-request.json (beside it) holds texts in the "input_data" format of
data-science/src/score.py ({"columns": ["text"], "data": [[...], ...]}), and the answer must be one
{"label": ..., "score": ...} per text.

    python mlops/azureml/deploy/online/deploy.py --environment dev        # --dry-run: print what it would create
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)

SAMPLE_REQUEST = Path(__file__).resolve().parent / "sample-request.json"
TEXT = "text"
# 4 cores and 14 GB: a DistilBERT-sized model answers a few texts in well under a second on the CPU.
MODEL = endpoints.OnlineModel(
    name="review-sentiment-model", description="Sentiment of product reviews", request_timeout_ms=10000
)


# --- the smoke request ------------------------------------------------------------------------------------------


def request_problems(request: Any) -> list[str]:
    """Why ``request`` is not a request score.py answers (empty when it is)."""
    body, problems = endpoints.table_request(request)
    if body is not None and TEXT not in body["columns"]:
        problems.insert(0, f'its columns lack "{TEXT}", the column the model classifies')
    return problems


def prediction_problems(response: str, request: dict[str, Any]) -> list[str]:
    """Why the endpoint's answer is not one {"label", "score"} per row of ``request`` (empty when it is)."""
    answer, problems = endpoints.listed_answer(response, len(request["input_data"]["data"]), "texts")
    if not all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in answer):
        problems.append(f"not every prediction has a label: {answer[:3]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Roll the model version out to the online endpoint in stages; the exit code."""
    return endpoints.online_main(
        argv, MODEL, SAMPLE_REQUEST, request_problems=request_problems, prediction_problems=prediction_problems
    )


if __name__ == "__main__":
    sys.exit(main())
