"""Roll a version of taxi-fare-model out to the batch endpoint (mlops/azureml/endpoints.py, rollout.py).

Azure ML's MLflow runtime scores CSV files of trips (columns the model was not trained on, such as fare_amount, are
ignored); each input row gets a row of predictions.csv.

    python mlops/azureml/deploy/batch/deploy.py --environment dev      # --help: the options
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)

MODEL = endpoints.BatchModel(name="taxi-fare-model", description="Taxi fare predictions for CSV files")


def main(argv: Sequence[str] | None = None) -> int:
    """The test job scores data/taxi-trips.csv (or --input); the exit code."""
    return endpoints.batch_main(
        argv,
        MODEL,
        endpoints.PROJECT_ROOT / "data" / "taxi-trips.csv",
        "CSV file or folder to score, local or azureml:",
    )


if __name__ == "__main__":
    sys.exit(main())
