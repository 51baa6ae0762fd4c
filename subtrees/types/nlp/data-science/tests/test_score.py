"""Tests of the online and batch scoring scripts against a model saved by train.py."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import batch_score
import pytest
import score
from test_production_data import record_production

# Where the online deployment's sample request lives in the generated project.
SAMPLE_REQUEST = Path(__file__).resolve().parents[2] / "mlops" / "azureml" / "deploy" / "online" / "sample-request.json"
GOOD = "The sound of this kettle is excellent. Highly recommended."
BAD = "Awful backpack, the material is a waste of money."


def table(columns: list[str], data: list[list[str]] | None = None) -> str:
    """A request in Azure ML's input_data format; without ``data``, one that lacks it."""
    body: dict = {"columns": columns}
    if data is not None:
        body["data"] = data
    return json.dumps({"input_data": body})


@pytest.fixture(scope="module")
def mounted(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Path:
    """The trained model laid out as Azure ML mounts a registered model."""
    root = tmp_path_factory.mktemp("azureml-models") / "review-sentiment-model" / "1"
    shutil.copytree(trained_model, root / "model")
    return root


@pytest.fixture
def deployed(mounted: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """score.init() run on the mounted model."""
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(mounted))
    if score.classifier is None:
        score.init()
    yield mounted


def test_scores_the_azure_ml_request_format(deployed: Path) -> None:
    answers = score.run(table(["text"], [[GOOD], [BAD]]))

    assert [answer["label"] for answer in answers] == ["positive", "negative"]
    assert all(0.5 <= answer["score"] <= 1 for answer in answers)


def test_scores_a_list_of_texts_and_a_list_of_objects(deployed: Path) -> None:
    as_texts = score.run(json.dumps({"data": [BAD, GOOD]}))
    as_objects = score.run(json.dumps({"data": [{"text": BAD}, {"text": GOOD}]}))

    assert as_texts == as_objects
    assert [answer["label"] for answer in as_texts] == ["negative", "positive"]
    assert score.run('{"data": []}') == []


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"rows": []}', "the request must be"),
        ('{"data": [1, 2]}', "non-empty string"),
        ('{"data": [{"review": "fine"}]}', "non-empty string"),
        (table(["text"]), '"columns" list and a "data" list'),
        (table(["body"], [["fine"]]), 'no "text" column'),
        (table(["text", "id"], [["fine"]]), "2 values"),
    ],
)
def test_rejects_malformed_requests(deployed: Path, request_text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score.run(request_text)


def test_scoring_before_init_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(score, "classifier", None)
    with pytest.raises(RuntimeError, match="init"):
        score.run('{"data": ["fine"]}')


def test_the_online_endpoint_sample_request_is_scored(deployed: Path) -> None:
    if not SAMPLE_REQUEST.exists():
        pytest.skip("the online deployment is not part of this checkout")
    request = json.loads(SAMPLE_REQUEST.read_text(encoding="utf-8"))

    answers = score.run(json.dumps(request))

    assert len(answers) == len(request["input_data"]["data"])
    assert {answer["label"] for answer in answers} <= {"positive", "negative"}


def test_batch_scoring_answers_every_row_of_every_file(
    mounted: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f'text,label\n"{GOOD}",positive\n"{BAD}",negative\n', encoding="utf-8")
    second.write_text(f'id,text\n7,"{BAD}"\n8,\n', encoding="utf-8")  # an empty text is skipped
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(mounted))
    batch_score.init()

    lines = batch_score.run([str(first), str(second)])

    rows = list(csv.reader(lines))
    assert [(row[0], row[1], row[3]) for row in rows] == [
        ("first.csv", "0", "positive"),
        ("first.csv", "1", "negative"),
        ("second.csv", "0", "negative"),
    ]
    assert rows[0][2] == GOOD


def test_batch_scoring_runs_locally_too(mounted: Path, tmp_path: Path, sample_data: Path) -> None:
    output = tmp_path / "predictions.csv"

    assert batch_score.main(["--input", str(sample_data), "--output", str(output), "--model", str(mounted)]) == 0

    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with sample_data.open(newline="", encoding="utf-8") as handle:
        truth = [row["label"] for row in csv.DictReader(handle)]
    assert len(rows) == len(truth)
    assert sum(row["label"] == label for row, label in zip(rows, truth, strict=True)) / len(truth) > 0.9


def test_each_answered_request_is_logged_for_the_model_monitor(monkeypatch: pytest.MonkeyPatch) -> None:
    logged = record_production(monkeypatch, score)
    monkeypatch.setattr(score, "classifier", lambda texts, **_: [{"label": "positive", "score": 0.75} for _ in texts])

    answers = score.run(json.dumps({"data": ["Great battery.", "Broke after a day."]}))

    logged_inputs, logged_outputs, context = logged()
    assert logged_inputs.to_dict(orient="list") == {
        "text": ["Great battery.", "Broke after a day."],
        "characters": [14, 18],
    }
    assert logged_outputs.to_dict(orient="records") == answers and context is not None
