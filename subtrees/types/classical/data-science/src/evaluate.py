"""Step 3, evaluate: score the candidate model on the test data and decide whether to promote it.

The candidate is compared with the production model, when one is given, on the same test rows, by RMSE,
MAE and R². The candidate is promoted when there is no production model, or when its RMSE is lower than
production's by at least --min-improvement: the gate of the register step. metrics.json and decision.json
go to --evaluation-output; evaluation.py describes them and the rule, which every project type shares.

    python data-science/src/evaluate.py --model-input outputs/model --test-data outputs/test \\
        --evaluation-output outputs/evaluation [--production-model models:/taxi-fare-model@production]

--production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
model URI; an empty value means no production model.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import evaluation
import mlflow.pyfunc
from common import TARGET, features, read_table, regression_metrics
from step_io import find_model_dir, is_uri

GATE = evaluation.Gate(metric="rmse", label="RMSE", higher_is_better=False)


def load_model(location: str) -> Any:
    """The MLflow model (pyfunc) in the folder or at the URI ``location``."""
    if is_uri(location):
        return mlflow.pyfunc.load_model(location)
    return mlflow.pyfunc.load_model(str(find_model_dir(Path(location))))


def score(model: Any, test: Any) -> dict[str, float]:
    return regression_metrics(test[TARGET], model.predict(features(test)))


EVALUATION = evaluation.Evaluation(gate=GATE, read_test=read_table, load_model=load_model, score=score)


def main(argv: Sequence[str] | None = None) -> int:
    return evaluation.main(argv, EVALUATION, description=__doc__.split("\n\n")[0])


if __name__ == "__main__":
    sys.exit(main())
