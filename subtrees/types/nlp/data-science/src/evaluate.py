"""Step 3, evaluate: score the candidate model on the test data and decide whether to promote it.

The candidate is compared with the production model, when one is given, on the same test rows: accuracy
and macro-averaged F1 of the predicted labels. The candidate is promoted when there is no production
model, or when its macro F1 is higher than production's by at least --min-improvement: the gate of the
register step. metrics.json and decision.json go to --evaluation-output; evaluation.py describes them and
the rule, which every project type shares.

    python data-science/src/evaluate.py --model-input outputs/model --test-data outputs/test \\
        --evaluation-output outputs/evaluation [--production-model models:/review-sentiment-model/1]

--production-model is a folder that holds an MLflow model (an Azure ML mlflow_model input) or an MLflow
model URI; an empty value means no production model.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import evaluation
from common import LABEL, TEXT, classification_metrics, load_classifier, predict_labels, read_rows

GATE = evaluation.Gate(metric="f1_macro", label="macro F1", higher_is_better=True)


def score(classifier: Any, test: Sequence[dict[str, str]]) -> dict[str, float]:
    predicted = predict_labels(classifier, [row[TEXT] for row in test])
    return classification_metrics([row[LABEL] for row in test], predicted)


EVALUATION = evaluation.Evaluation(gate=GATE, read_test=read_rows, load_model=load_classifier, score=score)


def main(argv: Sequence[str] | None = None) -> int:
    return evaluation.main(argv, EVALUATION, description=__doc__.split("\n\n")[0])


if __name__ == "__main__":
    sys.exit(main())
