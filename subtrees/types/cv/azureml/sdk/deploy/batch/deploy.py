"""Roll a version of image-classifier out to the batch endpoint (mlops/azureml/endpoints.py, rollout.py).

data-science/src/batch_score.py classifies folders of images (and the images inside .zip archives), one line
file,label,score per image in predictions.csv.

    python mlops/azureml/deploy/batch/deploy.py --environment dev      # --help: the options
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import endpoints  # noqa: E402  (mlops/azureml/endpoints.py: command line, endpoints and rollout of the deploy scripts)

MODEL = endpoints.BatchModel(
    name="image-classifier",
    description="Image classification for folders of images",
    scoring_script="batch_score.py",
)


def main(argv: Sequence[str] | None = None) -> int:
    """The test job scores data/images (or --input); the exit code."""
    return endpoints.batch_main(
        argv, MODEL, endpoints.PROJECT_ROOT / "data" / "images", "images to score, local or azureml:/https:"
    )


if __name__ == "__main__":
    sys.exit(main())
