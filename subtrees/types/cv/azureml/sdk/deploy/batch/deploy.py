"""Roll a version of image-classifier out to the batch endpoint: a new deployment, a test job, then the default.

With the Azure ML Python SDK v2 (azure-ai-ml), the script deploys a version of image-classifier (in dev the newest
version registered in the workspace, in prod the newest one promoted to the Azure ML registry) to the batch endpoint
of config-infra-<environment>.yml, on the workspace's CPU cluster, as mlops/azureml/rollout.py describes: the
version goes to a new deployment (blue or green, mlops/rollout.yml), a test job scores data/images
(uploaded) or --input with it and must complete, then it becomes the endpoint's default and the previous deployment
is deleted; a failure deletes the new deployment and leaves the default as it was. The answers land in the job's
`score` output as predictions.csv, one line `file,label,score` per image.

data-science/src/batch_score.py scores the files (images, or .zip archives of them), in the project's own
environment (the Azure ML base image plus data-science/environment/conda.yml, with the torch version the model was
pickled with).

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

SAMPLE = workspace.PROJECT_ROOT / "data" / "images"
MODEL = endpoints.BatchModel(
    name="image-classifier",
    description="Image classification for folders of images",
    scoring_script="batch_score.py",
    max_concurrency_per_instance=2,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Roll the model version out to the batch endpoint; the exit code."""
    args = endpoints.parse_batch_args(
        argv,
        "Roll a version of image-classifier out to the batch endpoint of config-infra-<environment>.yml, "
        "testing it with a scoring job on the sample data.",
        MODEL,
        SAMPLE,
        "images to score in the test job, local or azureml:/https: (default: data/images)",
    )
    return endpoints.deploy_batch(args, MODEL)


if __name__ == "__main__":
    sys.exit(main())
