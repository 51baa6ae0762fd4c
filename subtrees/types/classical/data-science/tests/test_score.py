"""Tests of the online scoring script against a model saved by train.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import mlflow.sklearn
import pandas as pd
import pytest
import score
from common import FEATURES, features
from test_production_data import record_production

# Where the online deployment's sample request lives in the generated project.
SAMPLE_REQUEST = Path(__file__).resolve().parents[2] / "mlops" / "azureml" / "deploy" / "online" / "sample-request.json"


@pytest.fixture
def deployed(tmp_path: Path, train_model: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A trained model laid out as Azure ML mounts a registered model, and score.init() run on it."""
    model = train_model()
    mounted = tmp_path / "azureml-models" / "taxi-fare-model" / "1"
    shutil.copytree(model, mounted / "model")
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(mounted))
    score.init()
    yield model
    monkeypatch.setattr(score, "model", None)


@pytest.fixture
def trips(split_data: tuple[Path, Path]) -> pd.DataFrame:
    return features(pd.read_csv(split_data[1] / "data.csv")).head(3)


def test_scores_the_azure_ml_request_format(deployed: Path, trips: pd.DataFrame) -> None:
    table = {"columns": list(trips.columns), "data": trips.values.tolist()}
    request = {"input_data": table}

    predictions = score.run(json.dumps(request))

    expected = mlflow.sklearn.load_model(str(deployed)).predict(trips)
    assert predictions == pytest.approx(expected.tolist())
    assert all(isinstance(value, float) for value in predictions)


def test_scores_a_list_of_trips(deployed: Path, trips: pd.DataFrame) -> None:
    request = {"data": trips.to_dict(orient="records")}

    assert score.run(json.dumps(request)) == pytest.approx(score.run(json.dumps({"data": request["data"]})))
    assert len(score.run(json.dumps(request))) == 3
    assert score.run('{"data": []}') == []


def test_accepts_whole_numbers_for_numeric_columns(deployed: Path) -> None:
    trip = {"distance_km": 4, "duration_min": 15, "passengers": 1, "pickup_hour": 9, "weekday": 2}
    trip |= {"vendor": "CMT", "payment_type": "card"}

    (fare,) = score.run(json.dumps({"data": [trip]}))
    assert fare > 0


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"rows": []}', "the request must be"),
        ('{"data": [1, 2]}', "one per trip"),
        ('{"input_data": {"columns": ["a"]} }', '"columns" list and a "data" list'),
        ('{"data": [{"distance_km": "far"}]}', "the column distance_km must hold numbers"),
    ],
)
def test_rejects_malformed_requests(deployed: Path, request_text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score.run(request_text)


def test_a_request_without_a_feature_column_fails_and_names_it(deployed: Path, trips: pd.DataFrame) -> None:
    request = {"data": trips.drop(columns=["vendor"]).to_dict(orient="records")}

    with pytest.raises(Exception, match="vendor"):
        score.run(json.dumps(request))


def test_the_online_endpoint_sample_request_is_scored(deployed: Path) -> None:
    if not SAMPLE_REQUEST.exists():
        pytest.skip("the online deployment is not part of this checkout")
    request = json.loads(SAMPLE_REQUEST.read_text(encoding="utf-8"))

    assert request["input_data"]["columns"] == list(FEATURES)
    predictions = score.run(json.dumps(request))
    assert len(predictions) == len(request["input_data"]["data"])


def test_each_answered_request_is_logged_for_the_model_monitor(
    deployed: Path, trips: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = record_production(monkeypatch, score)

    predictions = score.run(json.dumps({"data": trips.to_dict(orient="records")}))

    logged_inputs, logged_outputs, context = logged()
    assert set(logged_inputs.columns) == set(FEATURES) and len(logged_inputs) == 3
    assert logged_outputs["fare_amount"].tolist() == predictions and context is not None
