"""Write the synthetic image set that the project trains on locally: data/images/<class>/<class>-<n>.png.

Each image shows one shape, a circle, a square or a triangle (the three classes), in a random colour,
position and size on a random light background with a little pixel noise. The script uses only the
standard library: Python's own random generator, whose sequence is fixed for a given seed, and a PNG
writer of its own (zlib at a fixed level), so the same arguments give the same files byte for byte on
every machine. The committed sample was made with:

    python data-science/src/make_sample_images.py --per-class 12 --size 32 --seed 42 --output data/images

More images train a better model: `--per-class 100` makes a set on which a few epochs reach a high accuracy.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

CLASSES = ("circle", "square", "triangle")
NOISE = 12  # largest change of a colour channel by the pixel noise


def inside_circle(x: float, y: float, cx: float, cy: float, radius: float) -> bool:
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def inside_square(x: float, y: float, cx: float, cy: float, radius: float) -> bool:
    half = radius * 0.85  # a square of about the circle's area
    return abs(x - cx) <= half and abs(y - cy) <= half


def inside_triangle(x: float, y: float, cx: float, cy: float, radius: float) -> bool:
    """An upright triangle: its apex above the centre, its base below it."""
    top, bottom = cy - radius, cy + radius * 0.8
    if not top <= y <= bottom:
        return False
    half_width = (y - top) / (bottom - top) * radius * 1.1
    return abs(x - cx) <= half_width


SHAPES: dict[str, Callable[[float, float, float, float, float], bool]] = {
    "circle": inside_circle,
    "square": inside_square,
    "triangle": inside_triangle,
}


def make_pixels(shape: str, size: int, rng: random.Random) -> bytes:
    """The RGB pixels, row by row, of one image of ``shape``."""
    background = [rng.randint(170, 250) for _ in range(3)]
    colour = [rng.randint(10, 120) for _ in range(3)]
    radius = rng.uniform(0.22, 0.38) * size
    cx = rng.uniform(radius, size - radius)
    cy = rng.uniform(radius, size - radius)
    inside = SHAPES[shape]
    pixels = bytearray()
    for row in range(size):
        for column in range(size):
            base = colour if inside(column + 0.5, row + 0.5, cx, cy, radius) else background
            pixels += bytes(min(255, max(0, channel + rng.randint(-NOISE, NOISE))) for channel in base)
    return bytes(pixels)


def png_bytes(pixels: bytes, size: int) -> bytes:
    """A square 8-bit RGB PNG file of ``pixels``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    stride = size * 3
    rows = b"".join(b"\x00" + pixels[row * stride : (row + 1) * stride] for row in range(size))  # filter: none
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def sample_images(per_class: int, size: int, seed: int) -> dict[str, bytes]:
    """The image set as {relative path: PNG bytes}, the classes taking turns so that each gets ``per_class``."""
    rng = random.Random(seed)
    files = {}
    for number in range(1, per_class + 1):
        for shape in CLASSES:
            files[f"{shape}/{shape}-{number:03d}.png"] = png_bytes(make_pixels(shape, size, rng), size)
    return files


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-class", type=int, default=12, help="images of each class (default 12)")
    parser.add_argument("--size", type=int, default=32, help="width and height in pixels (default 32)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the random generator (default 42)")
    parser.add_argument("--output", type=Path, required=True, help="folder to write the class folders into")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.per_class < 1 or args.size < 8:
        print("error: --per-class must be at least 1 and --size at least 8", file=sys.stderr)
        return 1
    for relative, data in sample_images(args.per_class, args.size, args.seed).items():
        path = args.output / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {args.per_class} images of each of {', '.join(CLASSES)} to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
