"""What the pipeline steps of the image classifier share: finding the images of an image set, decoding them
and the classification metrics. What the steps of every project type share is in step_io.py.

An image set is a folder with one sub-folder per class, named after the class, that holds the images of
that class (in any depth of sub-folders). A set may also come as a .zip archive of such a folder, which is
how the public dataset of the Azure ML pipeline is published; wrapper folders around the class folders
(``fridgeObjects/can/...``) are looked through.

The steps import this module as a sibling (``import common``): Azure ML uploads the whole src folder as
the code of every step, and the tests put the folder on ``sys.path``. torch and Pillow are imported where
they are used, so that reading the image set costs nothing when no image is decoded.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# find_model_dir and mlflow_run are step_io's; train.py and score.py still take them from here.
from step_io import DataError, find_model_dir, mlflow_run  # noqa: F401

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})
MIN_CLASSES = 2

# The local runner (run_local.py): the name it registers the model under, its MLflow experiment, and flags
# of its own for train.py (the sample images are 32x32 pixels).
MODEL_NAME = "image-classifier"
LOCAL_EXPERIMENT = "image-classifier-local"
LOCAL_TRAINING: dict[str, object] = {"image_size": 32}


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def images_below(folder: Path) -> list[Path]:
    """The image files anywhere below ``folder``, sorted (hidden folders such as __MACOSX are skipped)."""
    return sorted(
        path
        for path in folder.rglob("*")
        if is_image_file(path) and not any(part.startswith((".", "__")) for part in path.relative_to(folder).parts)
    )


def class_root(folder: Path) -> Path:
    """The folder whose sub-folders are the classes: ``folder`` or, through wrapper folders, one below it."""
    current = folder
    while True:
        children = [
            child for child in sorted(current.iterdir()) if child.is_dir() and not child.name.startswith((".", "__"))
        ]
        loose_images = [path for path in current.iterdir() if is_image_file(path)]
        if len(children) == 1 and not loose_images:
            current = children[0]
            continue
        return current


def read_image_set(folder: Path) -> dict[str, list[Path]]:
    """The image files of each class of the image set in ``folder``, classes in alphabetical order."""
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder: expected one sub-folder of images per class")
    root = class_root(folder)
    classes = {}
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith((".", "__")):
            files = images_below(child)
            if files:
                classes[child.name] = files
    if len(classes) < MIN_CLASSES:
        raise DataError(
            f"{root} holds images for {len(classes)} class(es): a classifier needs at least {MIN_CLASSES} class "
            "sub-folders with images"
        )
    return classes


@contextmanager
def opened_image_set(path: Path) -> Iterator[Path]:
    """The folder of the image set at ``path``: the folder itself, or a .zip archive (or a folder that holds
    exactly one) extracted into a temporary folder for the duration of the block.

    Azure ML passes a ``uri_file`` data asset as the path of the file, a ``uri_folder`` as a folder.
    """
    if not path.exists():
        raise DataError(f"{path} does not exist")
    archive = path if path.is_file() else None
    if archive is None and not images_below(path):
        archives = sorted(path.glob("*.zip"))
        if len(archives) == 1:
            archive = archives[0]
    if archive is None:
        yield path
        return
    if not zipfile.is_zipfile(archive):
        raise DataError(f"{archive} is neither a folder of images nor a .zip archive of one")
    with tempfile.TemporaryDirectory(prefix="image-set-") as extracted:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(extracted)
        yield Path(extracted)


def open_image(source: Path | bytes) -> Any:
    """The image in the file or the bytes ``source`` as an RGB ``PIL.Image``; DataError if it is no image."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        name = "the image data" if isinstance(source, bytes) else str(source)
        raise DataError(f"{name} is not a readable image: {error}") from None
    return image.convert("RGB")


def image_tensor(source: Path | bytes, size: int) -> Any:
    """The image ``source`` as the model's input: a float tensor of shape (3, size, size) with values in [0, 1].

    Training, evaluation and scoring all decode and resize images here, with Pillow, so the model sees
    the same pixels everywhere (no torchvision needed).
    """
    import numpy as np
    import torch
    from PIL import Image

    image = open_image(source).resize((size, size), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.uint8).copy()
    return torch.from_numpy(pixels).permute(2, 0, 1).float().div(255.0)


def classification_metrics(actual: Sequence[str], predicted: Sequence[str], classes: Iterable[str]) -> dict[str, Any]:
    """Accuracy, macro-averaged precision, recall and F1, and the same per class (with its support).

    A class that is never predicted has precision 0; one that never occurs has recall 0 and support 0.
    """
    pairs = list(zip(actual, predicted, strict=True))
    if not pairs:
        raise DataError("no images to evaluate")
    names = sorted(set(classes) | set(actual))
    per_class: dict[str, dict[str, float]] = {}
    for name in names:
        true_positives = sum(1 for truth, guess in pairs if truth == name and guess == name)
        predicted_count = sum(1 for _, guess in pairs if guess == name)
        support = sum(1 for truth, _ in pairs if truth == name)
        precision = true_positives / predicted_count if predicted_count else 0.0
        recall = true_positives / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    present = [per_class[name] for name in names if per_class[name]["support"]]
    return {
        "accuracy": sum(1 for truth, guess in pairs if truth == guess) / len(pairs),
        "precision_macro": sum(scores["precision"] for scores in present) / len(present),
        "recall_macro": sum(scores["recall"] for scores in present) / len(present),
        "f1_macro": sum(scores["f1"] for scores in present) / len(present),
        "per_class": per_class,
    }
