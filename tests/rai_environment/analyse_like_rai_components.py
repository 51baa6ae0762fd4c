"""Run a project's Responsible AI analyses on a model the way the rai_tabular_* components do.

Runs inside the stand-in environment (responsibleai-tabular.txt). Like the constructor component it
loads the MLflow model with ``mlflow.pyfunc.load_model(...)._model_impl`` and builds ``RAIInsights`` from
the train and test tables; then it adds the explanation, error analysis, counterfactual and causal
analyses with the inputs that the project's pipeline gives those components, computes them, and saves
and reloads the result as the gather component does. Prints a JSON summary for the test to check.

    python analyse_like_rai_components.py settings.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import mlflow.pyfunc
import pandas as pd
from responsibleai import RAIInsights


def main(settings_file: str) -> int:
    settings = json.loads(Path(settings_file).read_text(encoding="utf-8"))
    model = mlflow.pyfunc.load_model(settings["model"])._model_impl
    insights = RAIInsights(
        model=model,
        train=pd.read_csv(settings["train"]),
        test=pd.read_csv(settings["test"]),
        target_column=settings["target_column_name"],
        task_type=settings["task_type"],
        categorical_features=settings["categorical_column_names"],
    )
    insights.explainer.add()
    insights.error_analysis.add(**settings["error_analysis"])
    insights.counterfactual.add(**settings["counterfactual"])
    insights.causal.add(**settings["causal"])
    insights.compute()

    with tempfile.TemporaryDirectory() as saved:
        insights.save(saved)
        reloaded = RAIInsights.load(saved)

    importances = reloaded.explainer.get()[0].get_feature_importance_dict()
    counterfactuals = reloaded.counterfactual.get()[0]
    target = settings["target_column_name"]
    what_ifs = [value for row in counterfactuals.cf_examples_list for value in row.final_cfs_df[target]]
    effects = reloaded.causal.get()[0].global_effects
    summary = {
        "model_class": type(model).__name__,
        "predictions": len(reloaded.model.predict(reloaded.test.drop(columns=[target]))),
        "explained_features": sorted(importances),
        "error_analysis_reports": len(reloaded.error_analysis.get()),
        "counterfactuals": {"count": len(what_ifs), "lowest": min(what_ifs), "highest": max(what_ifs)},
        "causal_treatments": sorted(set(effects.index.get_level_values("feature"))),
    }
    print(json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
