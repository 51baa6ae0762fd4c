"""Roll a version of taxi-fare-model out to the batch endpoint: a new deployment, a test job, then the default.

With the Azure ML Python SDK v2 (azure-ai-ml), the script deploys a version of taxi-fare-model (in dev the newest
version registered in the workspace, in prod the newest one promoted to the Azure ML registry) to the batch endpoint
of config-infra-<environment>.yml, on the workspace's CPU cluster, as mlops/azureml/rollout.py describes: the
version goes to a new deployment (blue or green, mlops/rollout.yml), a test job scores data/taxi-
trips.csv (uploaded) or --input with it and must complete, then it becomes the endpoint's default and the previous
deployment is deleted; a failure deletes the new deployment and leaves the default as it was. The predictions land
in the job's `score` output as predictions.csv, one row per input row.

The model is an MLflow model, so the deployment needs no scoring script or environment: Azure ML's MLflow runtime
scores it. Columns that the model was not trained on (such as the target, fare_amount) are ignored by MLflow's input
schema check.

The endpoint name, compute cluster, workspace and registry come from config-infra-<environment>.yml at the project
root; the subscription from --subscription-id, $AZURE_SUBSCRIPTION_ID or the Azure CLI's account.

    pip install -r mlops/azureml/requirements.txt
    python mlops/azureml/deploy/batch/deploy.py --dry-run        # print what it would create
    python mlops/azureml/deploy/batch/deploy.py --environment dev
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)
import workspace  # noqa: E402  (mlops/azureml/workspace.py: settings and helpers the scripts share)

SAMPLE = workspace.PROJECT_ROOT / "data" / "taxi-trips.csv"
MODEL = endpoints.BatchModel(
    name="taxi-fare-model", description="Taxi fare predictions for CSV files", max_concurrency_per_instance=2
)


def main(argv: Sequence[str] | None = None) -> int:
    """Roll the model version out to the batch endpoint; the exit code."""
    args = endpoints.parse_batch_args(
        argv,
        "Roll a version of taxi-fare-model out to the batch endpoint of config-infra-<environment>.yml, "
        "testing it with a scoring job on the sample data.",
        MODEL,
        SAMPLE,
        "CSV file or folder to score in the test job, local or azureml: (default: sample data)",
    )
    return endpoints.deploy_batch(args, MODEL)


if __name__ == "__main__":
    sys.exit(main())
