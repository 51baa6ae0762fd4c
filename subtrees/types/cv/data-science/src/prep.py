"""Step 1, prep: check the raw image set and split it into training and test images, class by class.

Files that Pillow cannot read as an image are dropped. Every class keeps at least one training and one
test image; within a class the split is random with a fixed seed, so the same images and seed always give
the same split. Both output folders have the layout of the input: one sub-folder per class.

    python data-science/src/prep.py --raw-data data/images --train-data outputs/train --test-data outputs/test

--raw-data is a folder with one sub-folder per class, or a .zip archive of one (the public dataset that
the Azure ML pipeline reads is such an archive).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from common import class_root, open_image, opened_image_set, read_image_set
from step_io import DataError, split_args

RAW_DATA_HELP = "folder of class folders, or a .zip of one"
TEST_SIZE = 0.25  # also the default of run_local.py
TEST_SIZE_HELP = "share of each class held out for testing (0.25)"

MIN_IMAGES_PER_CLASS = 2  # one to train on, one to test with


def readable(files: list[Path]) -> list[Path]:
    kept = []
    for path in files:
        try:
            open_image(path)
        except DataError:
            continue
        kept.append(path)
    return kept


def split(files: list[Path], test_size: float, rng: random.Random) -> tuple[list[Path], list[Path]]:
    """Training and test files of one class: at least one of each."""
    shuffled = list(files)
    rng.shuffle(shuffled)
    test_count = min(max(1, round(len(shuffled) * test_size)), len(shuffled) - 1)
    return shuffled[test_count:], shuffled[:test_count]


def copy(files: list[Path], class_folder: Path, destination: Path) -> None:
    """Copy the files into ``destination``, named after their path inside the class folder."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, destination / "_".join(path.relative_to(class_folder).parts))


def main(argv: Sequence[str] | None = None) -> int:
    args = split_args(argv, __doc__, raw_data_help=RAW_DATA_HELP, test_size=TEST_SIZE, test_size_help=TEST_SIZE_HELP)
    rng = random.Random(args.seed)
    summary: dict[str, dict[str, int]] = {}
    try:
        with opened_image_set(args.raw_data) as folder:
            classes = read_image_set(folder)
            usable = {name: readable(files) for name, files in classes.items()}
            too_few = [name for name, files in usable.items() if len(files) < MIN_IMAGES_PER_CLASS]
            if too_few:
                raise DataError(
                    f"the class(es) {', '.join(too_few)} have fewer than {MIN_IMAGES_PER_CLASS} readable images"
                )
            for name, files in usable.items():
                train, test = split(files, args.test_size, rng)
                copy(train, class_root(folder) / name, args.train_data / name)
                copy(test, class_root(folder) / name, args.test_data / name)
                dropped = len(classes[name]) - len(files)
                summary[name] = {"train": len(train), "test": len(test), "dropped": dropped}
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
