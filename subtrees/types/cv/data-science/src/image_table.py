"""Describe an image set as an MLTable for Azure ML's Responsible AI vision dashboard.

The Responsible AI vision insights component reads its test images from an MLTable with one row per
image: where the image is stored and its class. This step writes such a table for a folder with one
sub-folder per class (prep.py's test output): images.jsonl with {"image_url": ..., "label": ...} lines and
the MLTable file that reads them. The images themselves stay where they are: --base-uri is the datastore
location of --images (an azureml://datastores/<datastore>/paths/<folder> URI), and each image's URI is
that location plus its path inside the folder.

    python data-science/src/image_table.py --images outputs/test \\
        --base-uri azureml://datastores/workspaceblobstore/paths/image-classifier-rai/test-images \\
        --output outputs/test-table
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from common import DataError, read_image_set

TABLE_FILE = "images.jsonl"
MLTABLE = """paths:
  - file: ./images.jsonl
transformations:
  - read_json_lines:
      encoding: utf8
      invalid_lines: error
      include_path_column: false
"""


def table_rows(images: Path, base_uri: str) -> list[dict[str, str]]:
    """One row per image of the set in ``images``: its URI under ``base_uri`` and its class."""
    base = base_uri.rstrip("/")
    return [
        {"image_url": f"{base}/{path.relative_to(images).as_posix()}", "label": name}
        for name, paths in read_image_set(images).items()
        for path in paths
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=Path, required=True, help="folder with one sub-folder per class")
    parser.add_argument("--base-uri", required=True, help="datastore URI of the --images folder")
    parser.add_argument("--output", type=Path, required=True, help="folder for MLTable and images.jsonl")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        rows = table_rows(args.images, args.base_uri)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    (args.output / TABLE_FILE).write_text(lines, encoding="utf-8")
    (args.output / "MLTable").write_text(MLTABLE, encoding="utf-8")
    print(f"wrote {len(rows)} images to {args.output / TABLE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
