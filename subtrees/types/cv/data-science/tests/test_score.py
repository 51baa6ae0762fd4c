"""Tests of the online scoring script against a model saved by train.py."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import evaluate
import pytest
import score
from common import read_image_set
from test_production_data import record_production

# Where the online deployment's sample request lives in the generated project.
SAMPLE_REQUEST = Path(__file__).resolve().parents[2] / "mlops" / "azureml" / "deploy" / "online" / "sample-request.json"


@pytest.fixture
def deployed(tmp_path: Path, good_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The good model laid out as Azure ML mounts a registered model, and score.init() run on it."""
    mounted = tmp_path / "azureml-models" / "image-classifier" / "1"
    shutil.copytree(good_model, mounted / "model")
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(mounted))
    score.init()
    yield good_model
    monkeypatch.setattr(score, "model", None)


@pytest.fixture
def test_images(split_data: tuple[Path, Path]) -> list[Path]:
    """One test image of each shape."""
    return [files[0] for files in read_image_set(split_data[1]).values()]


def encoded(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def test_classifies_the_images_of_a_request(deployed: Path, test_images: list[Path]) -> None:
    answers = score.run(json.dumps({"images": [encoded(path) for path in test_images]}))

    assert len(answers) == 3
    expected = evaluate.predict(evaluate.load_model(str(deployed)), test_images)
    assert [answer["label"] for answer in answers] == expected
    for answer in answers:
        assert set(answer["probabilities"]) == {"circle", "square", "triangle"}
        assert sum(answer["probabilities"].values()) == pytest.approx(1.0)
        assert answer["score"] == max(answer["probabilities"].values())


def test_takes_the_azure_ml_table_format_and_data_urls(deployed: Path, test_images: list[Path]) -> None:
    plain = score.run(json.dumps({"images": [encoded(test_images[0])]}))
    data_url = f"data:image/png;base64,{encoded(test_images[0])}"
    rows = {"columns": ["image"], "data": [[data_url]]}
    table = {"input_data": rows}

    assert score.run(json.dumps(table)) == plain
    assert score.run('{"images": []}') == []


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"pictures": []}', "the request must be"),
        ('{"images": [42]}', "image 1 must be a non-empty base64 string"),
        ('{"images": ["%%%"]}', "image 1 is not valid base64"),
        ('{"images": ["bm90IGFuIGltYWdl"]}', "image 1 is not a readable image"),
        ('{"input_data": {"columns": ["x"], "data": [["a"]]} }', '"columns" list with "image"'),
        ('{"input_data": {"columns": ["image"], "data": [["a", "b"]]} }', "every row of data must have 1 values"),
    ],
)
def test_rejects_malformed_requests(deployed: Path, request_text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score.run(request_text)


def test_the_online_endpoint_sample_request_is_scored(deployed: Path) -> None:
    if not SAMPLE_REQUEST.exists():
        pytest.skip("the online deployment is not part of this checkout")
    request = json.loads(SAMPLE_REQUEST.read_text(encoding="utf-8"))

    answers = score.run(json.dumps(request))
    assert len(answers) == len(request["images"]) == 3
    assert {answer["label"] for answer in answers} <= {"circle", "square", "triangle"}


def test_each_answered_request_is_logged_for_the_model_monitor(
    deployed: Path, test_images: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = record_production(monkeypatch, score)

    answers = score.run(json.dumps({"images": [encoded(path) for path in test_images]}))

    logged_inputs, logged_outputs, context = logged()
    assert list(logged_inputs.columns) == ["image_bytes", "mean_red", "mean_green", "mean_blue"]
    assert logged_inputs["image_bytes"].tolist() == [path.stat().st_size for path in test_images]
    assert logged_inputs[["mean_red", "mean_green", "mean_blue"]].stack().between(0, 1).all()
    assert logged_outputs["label"].tolist() == [answer["label"] for answer in answers] and context is not None
    assert {"probability_circle", "probability_square", "probability_triangle"} <= set(logged_outputs.columns)
