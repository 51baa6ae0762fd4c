"""Roll a version of taxi-fare-model out to the managed online endpoint, in stages (mlops/azureml/rollout.py).

The endpoint, its deployments and the rollout are endpoints.py's and rollout.py's; this script names the model and
checks its smoke test: sample-request.json (beside it) holds trips in the "input_data" format of
data-science/src/score.py (the feature "columns" and the "data" rows), and the answer must be one numeric
prediction per row.

    python mlops/azureml/deploy/online/deploy.py --environment dev        # --dry-run: print what it would create
    python mlops/azureml/deploy/online/deploy.py --write-sample-request   # after the data's columns changed
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)

HERE = Path(__file__).resolve().parent
SAMPLE_REQUEST = HERE / "sample-request.json"
RAW_DATA = endpoints.PROJECT_ROOT / "data" / "taxi-trips.csv"
TARGET = "fare_amount"
SAMPLE_ROWS = 3
MODEL = endpoints.OnlineModel(name="taxi-fare-model", description="Taxi fare predictions")


# --- the smoke request ------------------------------------------------------------------------------------------


def _value(text: str) -> Any:
    """A CSV cell as JSON would carry it: int, float or the string itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def build_sample_request(data: Path = RAW_DATA, rows: int = SAMPLE_ROWS, target: str = TARGET) -> dict[str, Any]:
    """A request in the endpoint's input format with the first ``rows`` rows of ``data``, target column dropped."""
    with data.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = [column for column in reader.fieldnames or [] if column != target]
        records = list(itertools.islice(reader, rows))
    return {
        "input_data": {"columns": columns, "data": [[_value(row[column]) for column in columns] for row in records]}
    }


def request_text(request: dict[str, Any]) -> str:
    """``request`` as the JSON text of sample-request.json: one line for the columns and one per row."""
    body = request["input_data"]
    rows = ",\n".join(f"      {json.dumps(row)}" for row in body["data"])
    columns = json.dumps(body["columns"])
    return '{\n  "input_data": {\n' + f'    "columns": {columns},\n    "data": [\n{rows}\n' + "    ]\n  }\n}\n"


def request_problems(request: Any, data: Path = RAW_DATA, target: str = TARGET) -> list[str]:
    """Why ``request`` would not fit the model trained on ``data`` (empty when it fits)."""
    body, problems = endpoints.table_request(request)
    if body is not None and data.is_file():
        with data.open(newline="", encoding="utf-8") as handle:
            features = [column for column in next(csv.reader(handle), []) if column != target]
        missing = [column for column in features if column not in body["columns"]]
        if missing:
            problems.insert(0, f"it lacks the columns {missing} of {data.name}, which the model was trained on")
    return problems


def prediction_problems(response: str, request: dict[str, Any]) -> list[str]:
    """Why the endpoint's answer is not one numeric prediction per row of ``request`` (empty when it is)."""
    answer, problems = endpoints.listed_answer(response, len(request["input_data"]["data"]), "rows")
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in answer):
        problems.append(f"not every prediction is a number: {answer[:5]}")
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
        sample_request_help=f"rewrite the request from the first {SAMPLE_ROWS} rows of data/taxi-trips.csv, exit",
    )


if __name__ == "__main__":
    sys.exit(main())
