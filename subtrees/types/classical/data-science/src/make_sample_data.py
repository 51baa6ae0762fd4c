"""Write the sample table of taxi trips that the project trains on: data/taxi-trips.csv.

The trips are synthetic but behave like real ones: the fare grows with distance and duration, trips at
night and in weekday rush hours cost more, vendors charge slightly different rates, and every fare
carries some noise. The script uses only the standard library and Python's own random generator, whose
sequence is fixed for a given seed, so the same --rows and --seed give the same file byte for byte on
every machine. The committed sample was made with:

    python data-science/src/make_sample_data.py --rows 400 --seed 42 --output data/taxi-trips.csv

Columns: distance_km, duration_min, passengers, pickup_hour, weekday (0 = Monday), vendor,
payment_type, and the target fare_amount.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections.abc import Sequence
from pathlib import Path

COLUMNS = (
    "distance_km",
    "duration_min",
    "passengers",
    "pickup_hour",
    "weekday",
    "vendor",
    "payment_type",
    "fare_amount",
)
VENDORS = {"CMT": 0.0, "VTS": 0.6, "DDS": -0.4}  # vendor -> extra charge per trip
PAYMENT_TYPES = ("card", "cash", "mobile")
PAYMENT_WEIGHTS = (60, 30, 10)
PASSENGER_WEIGHTS = (70, 15, 6, 4, 3, 2)  # for 1 to 6 passengers
# Trips per hour of the day: few at night, peaks in the morning and evening rush.
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 2, 4, 7, 9, 7, 6, 6, 7, 6, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4)


def is_night(hour: int) -> bool:
    return hour >= 22 or hour < 6


def is_rush_hour(hour: int, weekday: int) -> bool:
    return weekday < 5 and (7 <= hour <= 9 or 16 <= hour <= 19)


def make_trip(rng: random.Random) -> tuple[float, int, int, int, int, str, str, float]:
    """One trip: its features and the fare charged for it."""
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    weekday = rng.randrange(7)
    distance = min(max(rng.lognormvariate(1.2, 0.6), 0.4), 45.0)
    speed = 18.0 if is_rush_hour(hour, weekday) else 34.0 if is_night(hour) else 26.0  # km/h
    duration = max(2, round(distance / speed * 60 + rng.gauss(2.0, 1.5)))
    passengers = rng.choices(range(1, 7), weights=PASSENGER_WEIGHTS)[0]
    vendor = rng.choice(sorted(VENDORS))
    payment = rng.choices(PAYMENT_TYPES, weights=PAYMENT_WEIGHTS)[0]
    fare = (
        3.0
        + 1.55 * distance
        + 0.32 * duration
        + (2.5 if is_night(hour) else 0.0)
        + (1.0 if is_rush_hour(hour, weekday) else 0.0)
        + 0.5 * max(passengers - 4, 0)
        + VENDORS[vendor]
        + rng.gauss(0.0, 0.8)
    )
    return (round(distance, 1), duration, passengers, hour, weekday, vendor, payment, max(fare, 3.5))


def sample_csv(rows: int, seed: int) -> str:
    """The sample table as CSV text (header and ``rows`` trips, '\\n' line endings)."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for _ in range(rows):
        distance, duration, passengers, hour, weekday, vendor, payment, fare = make_trip(rng)
        writer.writerow([f"{distance:.1f}", duration, passengers, hour, weekday, vendor, payment, f"{fare:.2f}"])
    return buffer.getvalue()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400, help="number of trips (default 400)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the random generator (default 42)")
    parser.add_argument("--output", type=Path, required=True, help="CSV file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rows < 1:
        print("error: --rows must be at least 1", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(sample_csv(args.rows, args.seed).encode("utf-8"))
    print(f"wrote {args.rows} trips to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
