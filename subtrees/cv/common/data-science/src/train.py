"""Training step of the image classification model: checks the image set and reports on it.

This is the step the Azure ML pipeline runs. It does not train a network yet: it validates the
input the real training will read and writes ``metrics.json`` with what it found, so that the
pipeline, the compute and the data wiring can be proven before the model exists.

The image set is one sub-folder per class, named after the class, holding that class's images:

    images/
      cat/  0001.jpg  0002.png ...
      dog/  0001.jpg ...

    python train.py --data ../../data/images --output outputs

Each image's first bytes must match its format (JPEG, PNG, GIF, BMP or WebP), and at least two
classes must hold images.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

# How each accepted image format starts.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".bmp": (b"BM",),
    ".webp": (b"RIFF",),
}


def is_image(path: Path) -> bool:
    """Whether ``path`` has an image suffix and starts like a file of that format."""
    signatures = SIGNATURES.get(path.suffix.lower())
    if signatures is None:
        return False
    with path.open("rb") as handle:
        head = handle.read(12)
    if path.suffix.lower() == ".webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head.startswith(signatures)


def scan_image_set(root: Path) -> dict[str, int]:
    """Number of images per class folder of ``root``; raises ValueError if the set is unusable."""
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder: expected one sub-folder of images per class")
    counts: dict[str, int] = {}
    broken: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        candidates = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in SIGNATURES]
        for path in candidates:
            if not is_image(path):
                broken.append(str(path.relative_to(root)))
        if candidates:
            counts[folder.name] = len(candidates)
    if broken:
        shown = ", ".join(broken[:5]) + (" ..." if len(broken) > 5 else "")
        raise ValueError(f"{len(broken)} file(s) do not start like their image format: {shown}")
    if len(counts) < 2:
        raise ValueError(
            f"{root} holds images for {len(counts)} class(es); a classifier needs at least two "
            "class sub-folders with images"
        )
    return counts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with one sub-folder per class")
    parser.add_argument("--output", type=Path, required=True, help="folder for metrics.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the image set, write metrics.json, print it. Returns the exit code."""
    args = parse_args(argv)
    try:
        counts = scan_image_set(args.data)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    total = sum(counts.values())
    metrics = {
        "model_trained": False,
        "images": total,
        "classes": counts,
        "majority_class_share": max(counts.values()) / total,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
