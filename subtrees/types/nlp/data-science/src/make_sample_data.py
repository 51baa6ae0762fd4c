"""Make the sample data set: short product reviews labelled positive or negative.

Each review gives an opinion about one aspect of a product and, sometimes, a closing remark; the
label follows the opinion. The reviews are synthetic: sixteen sentence patterns over ten products and
nine aspects, enough for a quick fine-tuning run to show a real accuracy, small enough to train on a CPU.
The same rows and seed always give the same file, byte for byte:

    python data-science/src/make_sample_data.py --rows 240 --seed 42 --output data/reviews.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from common import COLUMNS

PRODUCTS = (
    "headphones",
    "kettle",
    "phone case",
    "desk lamp",
    "backpack",
    "blender",
    "keyboard",
    "running shoes",
    "coffee grinder",
    "e-reader",
)
POSITIVE = (
    "The {aspect} of this {product} is excellent.",
    "I love the {aspect} of this {product}.",
    "The {aspect} of my new {product} works perfectly.",
    "Really impressed by the {aspect} of this {product}.",
    "The {aspect} of this {product} is better than I expected.",
    "Great {aspect}, no complaints about this {product} at all.",
    "This {product} feels solid and the {aspect} is well made.",
    "Fantastic {product}, the {aspect} is worth every penny.",
)
NEGATIVE = (
    "The {aspect} of this {product} is terrible.",
    "I hate the {aspect} of this {product}.",
    "The {aspect} of my new {product} stopped working after a week.",
    "Really disappointed by the {aspect} of this {product}.",
    "The {aspect} of this {product} is worse than I expected.",
    "Poor {aspect}, I want a refund for this {product}.",
    "This {product} feels cheap and the {aspect} is flimsy.",
    "Awful {product}, the {aspect} is a waste of money.",
)
ASPECTS = ("battery", "sound", "design", "build quality", "size", "price", "manual", "packaging", "material")
POSITIVE_ENDINGS = ("Would buy again.", "Highly recommended.", "Five stars from me.", "Very happy with it.")
NEGATIVE_ENDINGS = ("Would not buy again.", "Avoid this one.", "One star.", "Sending it back.")
LABELS = ("positive", "negative")


def review(generator: random.Random, label: str) -> str:
    product = generator.choice(PRODUCTS)
    opinions, endings = (POSITIVE, POSITIVE_ENDINGS) if label == "positive" else (NEGATIVE, NEGATIVE_ENDINGS)
    text = generator.choice(opinions).format(aspect=generator.choice(ASPECTS), product=product)
    if generator.random() < 0.5:
        text += " " + generator.choice(endings)
    return text


def sample_csv(rows: int, seed: int) -> str:
    """The sample table as CSV text: ``rows`` reviews, half of each label, in a seeded random order."""
    generator = random.Random(seed)
    labels = [LABELS[index % len(LABELS)] for index in range(rows)]
    generator.shuffle(labels)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for label in labels:
        writer.writerow([review(generator, label), label])
    return buffer.getvalue()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=240, help="number of reviews (240)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the random choices (42)")
    parser.add_argument("--output", type=Path, required=True, help="CSV file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rows < 1:
        print("error: --rows must be at least 1", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(sample_csv(args.rows, args.seed), encoding="utf-8")
    print(f"wrote {args.rows} reviews to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
