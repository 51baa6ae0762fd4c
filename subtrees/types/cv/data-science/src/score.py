"""Online scoring script for an Azure ML managed online endpoint serving the registered image classifier.

Azure ML calls ``init()`` once when the deployment starts, with the model files under the folder named by
the environment variable AZUREML_MODEL_DIR, then ``run(raw_data)`` for every request. A request is JSON
that carries the images base64-encoded (PNG, JPEG, BMP, GIF or WebP files; a ``data:image/...;base64,``
prefix is allowed), in one of two shapes:

    {"images": ["iVBORw0KGgo...", ...]}
    {"input_data": {"columns": ["image"], "data": [["iVBORw0KGgo..."], ...]} }   (Azure ML's table format)

and the answer has one entry per image: the most likely class, its probability and the probability of
every class, e.g. ``[{"label": "circle", "score": 0.91, "probabilities": {"circle": 0.91, ...} }]``.
A request that is not one of these, or an image that cannot be decoded, fails with a message that says why.

Each answered request is logged for the model monitor through Azure ML's data collector (production_data.py):
per image, its size in bytes and the mean of each colour channel as the model sees it (model_inputs), and the
answer with the probability of every class (model_outputs).

The script uses common.py (decoding, the same as in training), network.py, production_data.py and step_io.py
(where Azure ML puts the model) of this folder, which Azure ML uploads with it as the deployment's code.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from common import DataError, image_tensor
from production_data import ProductionData
from step_io import MODEL_DIR_VARIABLE, deployed_model_dir  # noqa: F401  (batch_score.py sets it)

IMAGE_COLUMN = "image"
CHANNELS = ("red", "green", "blue")
logger = logging.getLogger(__name__)
model: Any = None
production: ProductionData | None = None


def init() -> None:
    """Load the model once, from the folder Azure ML names in AZUREML_MODEL_DIR; start the data collector."""
    global model, production
    import mlflow.pytorch

    model_dir = deployed_model_dir()
    model = mlflow.pytorch.load_model(str(model_dir), map_location="cpu").eval()
    logger.info("loaded the model from %s: classes %s", model_dir, model.classes)
    production = ProductionData()


def decode(text: Any, position: int) -> bytes:
    """The bytes of the base64 text of image number ``position`` (counted from 1)."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"image {position} must be a non-empty base64 string")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"image {position} is not valid base64") from None


def parse_request(raw_data: str | bytes) -> list[bytes]:
    """The image files of a request; ValueError names what is wrong with the request."""
    try:
        request = json.loads(raw_data)
    except json.JSONDecodeError as error:
        raise ValueError(f"the request is not valid JSON: {error}") from None
    if isinstance(request, dict) and isinstance(request.get("images"), list):
        texts = request["images"]
    elif isinstance(request, dict) and isinstance(request.get("input_data"), dict):
        table = request["input_data"]
        columns, rows = table.get("columns"), table.get("data")
        if not isinstance(columns, list) or IMAGE_COLUMN not in columns or not isinstance(rows, list):
            raise ValueError(f'"input_data" must have a "columns" list with "{IMAGE_COLUMN}" and a "data" list of rows')
        index = columns.index(IMAGE_COLUMN)
        if not all(isinstance(row, list) and len(row) == len(columns) for row in rows):
            raise ValueError(f"every row of data must have {len(columns)} values, one per column")
        texts = [row[index] for row in rows]
    else:
        raise ValueError(
            'the request must be {"images": ["<base64>", ...]} or '
            '{"input_data": {"columns": ["image"], "data": [["<base64>"], ...]} }'
        )
    return [decode(text, position) for position, text in enumerate(texts, start=1)]


def classify(images: list[bytes]) -> list[dict[str, Any]]:
    """The answer for the image files ``images``; logs them and the answer as production data."""
    from network import predict_probabilities

    tensors = []
    for position, data in enumerate(images, start=1):
        try:
            tensors.append(image_tensor(data, model.image_size))
        except DataError:
            raise ValueError(f"image {position} is not a readable image (PNG, JPEG, BMP, GIF or WebP)") from None
    answers = []
    for row in predict_probabilities(model, tensors).tolist():
        best = max(range(len(row)), key=row.__getitem__)
        answers.append(
            {
                "label": model.classes[best],
                "score": row[best],
                "probabilities": dict(zip(model.classes, row, strict=True)),
            }
        )
    if production is not None:
        production.log(*production_frames(images, tensors, answers))
    return answers


def production_frames(images: list[bytes], tensors: list[Any], answers: list[dict[str, Any]]) -> tuple[Any, Any]:
    """What the data collector keeps of a request: per image its size and the mean of each colour channel as
    the model sees it (inputs), and the answer with one column per class (outputs)."""
    import pandas as pd

    inputs = pd.DataFrame(
        [
            {
                "image_bytes": len(data),
                **{f"mean_{name}": float(tensor[index].mean()) for index, name in enumerate(CHANNELS)},
            }
            for data, tensor in zip(images, tensors, strict=True)
        ]
    )
    outputs = pd.DataFrame(
        [
            {
                "label": answer["label"],
                "score": answer["score"],
                **{f"probability_{name}": value for name, value in answer["probabilities"].items()},
            }
            for answer in answers
        ]
    )
    return inputs, outputs


def run(raw_data: str) -> list[dict[str, Any]]:
    """The class of each image in the request."""
    if model is None:
        raise RuntimeError("init() has not loaded the model")
    images = parse_request(raw_data)
    return classify(images) if images else []
