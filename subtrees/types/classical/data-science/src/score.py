"""Online scoring script for an Azure ML managed online endpoint serving the registered MLflow model.

Azure ML calls ``init()`` once when the deployment starts, with the model files under the folder named by
the environment variable AZUREML_MODEL_DIR, then ``run(raw_data)`` for every request. A request is JSON
in one of two shapes:

    {"input_data": {"columns": ["distance_km", ...], "data": [[4.6, ...], ...]} }    (Azure ML's MLflow format)
    {"data": [{"distance_km": 4.6, ...}, ...]}                                       (one object per trip)

and the answer is the list of predicted fares, one per trip. The model checks the columns against its
signature: a request that lacks a feature column fails with a message that names it.

Each answered request is logged for the model monitor through Azure ML's data collector (production_data.py):
the trips as model_inputs, the predicted fares as model_outputs (column fare_amount, as in the training data).
Apart from that module and step_io.py (where Azure ML puts the model) the script depends on nothing else in
this folder.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import mlflow.pyfunc
import pandas as pd
from mlflow.types import DataType
from production_data import ProductionData
from step_io import deployed_model_dir

PREDICTION = "fare_amount"  # the training data's name of what the model predicts
logger = logging.getLogger(__name__)
model: Any = None
production: ProductionData | None = None


def init() -> None:
    """Load the model once, from the folder Azure ML names in AZUREML_MODEL_DIR; start the data collector."""
    global model, production
    model_dir = deployed_model_dir()
    model = mlflow.pyfunc.load_model(str(model_dir))
    logger.info("loaded the model from %s", model_dir)
    production = ProductionData()


def parse_request(raw_data: str | bytes) -> pd.DataFrame:
    """The trips of a request as a table; ValueError names what is wrong with the request."""
    try:
        request = json.loads(raw_data)
    except json.JSONDecodeError as error:
        raise ValueError(f"the request is not valid JSON: {error}") from None
    if isinstance(request, dict) and isinstance(request.get("input_data"), dict):
        table = request["input_data"]
        if not isinstance(table.get("columns"), list) or not isinstance(table.get("data"), list):
            raise ValueError('"input_data" must have a "columns" list and a "data" list of rows')
        return pd.DataFrame(table["data"], columns=table["columns"])
    if isinstance(request, dict) and isinstance(request.get("data"), list):
        if not all(isinstance(row, dict) for row in request["data"]):
            raise ValueError('"data" must be a list of objects, one per trip')
        return pd.DataFrame(request["data"])
    raise ValueError('the request must be {"input_data": {"columns": [...], "data": [[...]]} } or {"data": [{...}]}')


def conform(frame: pd.DataFrame, schema: Any) -> pd.DataFrame:
    """``frame`` with the numbers of each floating-point column of the model's signature as floats.

    JSON has one kind of number, so a request may well send ``4`` for a distance of 4.0 km; MLflow's
    schema check would refuse that integer column for a float one, as MLflow's own server does not.
    """
    if schema is None:
        return frame
    for column in schema.inputs:
        if column.name in frame.columns and column.type in (DataType.double, DataType.float):
            try:
                frame[column.name] = pd.to_numeric(frame[column.name]).astype("float64")
            except (TypeError, ValueError):
                raise ValueError(f"the column {column.name} must hold numbers") from None
    return frame


def run(raw_data: str) -> list[float]:
    """The predicted fare of each trip in the request."""
    if model is None:
        raise RuntimeError("init() has not loaded the model")
    frame = parse_request(raw_data)
    if frame.empty:
        return []
    frame = conform(frame, model.metadata.get_input_schema())
    predictions = [float(value) for value in model.predict(frame)]
    if production is not None:
        production.log(frame, pd.DataFrame({PREDICTION: predictions}))
    return predictions
