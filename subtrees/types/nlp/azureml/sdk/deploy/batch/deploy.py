"""Roll a version of review-sentiment-model out to the batch endpoint (mlops/azureml/endpoints.py, rollout.py).

data-science/src/batch_score.py classifies the text column of CSV files, one row file,row,text,label,score per text
in predictions.csv.

    python mlops/azureml/deploy/batch/deploy.py --environment dev      # --help: the options
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)

MODEL = endpoints.BatchModel(
    name="review-sentiment-model",
    description="Sentiment of CSV files of product reviews",
    scoring_script="batch_score.py",
    max_concurrency_per_instance=1,
    timeout_seconds=600,
)


def main(argv: Sequence[str] | None = None) -> int:
    """The test job scores data/reviews.csv (or --input); the exit code."""
    return endpoints.batch_main(
        argv,
        MODEL,
        endpoints.PROJECT_ROOT / "data" / "reviews.csv",
        "CSV file or folder with a text column to score, local or azureml:",
    )


if __name__ == "__main__":
    sys.exit(main())
