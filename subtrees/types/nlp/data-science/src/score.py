"""Online scoring script for an Azure ML managed online endpoint serving the registered text classifier.

Azure ML calls ``init()`` once when the deployment starts, with the model files under the folder named by
the environment variable AZUREML_MODEL_DIR, then ``run(raw_data)`` for every request. A request is JSON
in one of these shapes:

    {"input_data": {"columns": ["text"], "data": [["The battery is excellent."], ...]} }  (Azure ML's format)
    {"data": ["The battery is excellent.", ...]}                                        (a list of texts)
    {"data": [{"text": "The battery is excellent."}, ...]}                              (one object per text)

and the answer has one entry per text, in the order of the request: the predicted label and the model's
confidence in it, ``[{"label": "positive", "score": 0.97}, ...]``.

Each answered request is logged for the model monitor through Azure ML's data collector (production_data.py):
the texts and their lengths as model_inputs, the labels and scores as model_outputs. Apart from that module and
step_io.py (where Azure ML puts the model) the script depends on nothing else in this folder.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from production_data import ProductionData
from step_io import MODEL_DIR_VARIABLE, deployed_model_dir  # noqa: F401  (batch_score.py reads it)

TEXT = "text"
BATCH_SIZE = 16
logger = logging.getLogger(__name__)
classifier: Any = None
production: ProductionData | None = None


def load(root: str | None) -> Any:
    """The text-classification pipeline of the MLflow model under ``root`` (None: the folder Azure ML names in
    AZUREML_MODEL_DIR)."""
    model_dir = deployed_model_dir(root)
    import mlflow.transformers

    loaded = mlflow.transformers.load_model(str(model_dir), return_type="pipeline")
    logger.info("loaded the model from %s", model_dir)
    return loaded


def init() -> None:
    """Load the model once, from the folder Azure ML names in AZUREML_MODEL_DIR; start the data collector."""
    global classifier, production
    classifier = load(None)
    production = ProductionData()


def texts_of(raw_data: str | bytes) -> list[str]:
    """The texts of a request; ValueError names what is wrong with the request."""
    try:
        request = json.loads(raw_data)
    except json.JSONDecodeError as error:
        raise ValueError(f"the request is not valid JSON: {error}") from None
    if isinstance(request, dict) and isinstance(request.get("input_data"), dict):
        table = request["input_data"]
        columns, data = table.get("columns"), table.get("data")
        if not isinstance(columns, list) or not isinstance(data, list):
            raise ValueError('"input_data" must have a "columns" list and a "data" list of rows')
        if TEXT not in columns:
            raise ValueError(f'"input_data" has no "{TEXT}" column')
        position = columns.index(TEXT)
        if not all(isinstance(row, list) and len(row) == len(columns) for row in data):
            raise ValueError(f'every row of "data" must have {len(columns)} values, one per column')
        texts = [row[position] for row in data]
    elif isinstance(request, dict) and isinstance(request.get("data"), list):
        texts = [item.get(TEXT) if isinstance(item, dict) else item for item in request["data"]]
    else:
        raise ValueError(
            'the request must be {"input_data": {"columns": ["text"], "data": [[...]]} } or {"data": [...]}'
        )
    if not all(isinstance(text, str) and text.strip() for text in texts):
        raise ValueError("every text must be a non-empty string")
    return texts


def classify(model: Any, texts: list[str]) -> list[dict[str, Any]]:
    """The label and score of each text."""
    if not texts:
        return []
    answers = model(texts, batch_size=BATCH_SIZE, truncation=True)
    return [{"label": answer["label"], "score": round(float(answer["score"]), 6)} for answer in answers]


def run(raw_data: str) -> list[dict[str, Any]]:
    """The predicted label of each text in the request, with its score."""
    if classifier is None:
        raise RuntimeError("init() has not loaded the model")
    texts = texts_of(raw_data)
    answers = classify(classifier, texts)
    if production is not None and answers:
        import pandas as pd

        production.log(
            pd.DataFrame({TEXT: texts, "characters": [len(text) for text in texts]}),
            pd.DataFrame(
                {"label": [answer["label"] for answer in answers], "score": [answer["score"] for answer in answers]}
            ),
        )
    return answers
