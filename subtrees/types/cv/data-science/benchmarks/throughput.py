"""Training throughput of the image classifier: the project's training step against a plain loop.

On synthetic batches (random images and labels, made on the device), the script times

- ``project``: one step of train.py's loop (training.TrainingStep: autocast, gradient scaler, channels-last
  on GPUs, the warm-up schedule), and
- ``reference``: the plainest loop over the same network (forward, cross-entropy, backward, AdamW step),

each in float32 and in the mixed precision train.py picks on this device (bfloat16, or float16 on GPUs
without it). The four measurements take turns, --rounds times, and the best rate of each counts: a
machine busy with other work then slows every loop alike instead of the one that happened to run first.
It prints one JSON line per loop and precision with images per second, then the two ratios the project's
goals are about: project / reference (goal on a GPU: at least 0.9) and mixed precision / float32 (goal on
a GPU: at least 1.5), and on a GPU whether both goals are met.

    python data-science/benchmarks/throughput.py                       # the defaults: a GPU-sized run
    python data-science/benchmarks/throughput.py --base-model resnet18 --image-size 32 --batch-size 8 --steps 3 \\
        --rounds 1

Random weights (no download): the speed of a network does not depend on its weights.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import network  # noqa: E402
import training  # noqa: E402

# The goals on a GPU: the project's step at least 0.9x the plain loop, mixed precision at least 1.5x float32.
PROJECT_GOAL = 0.9
MIXED_PRECISION_GOAL = 1.5


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def images_per_second(
    step: Callable[[torch.Tensor, torch.Tensor], object], batches: list, device: torch.device, warmup: int
) -> float:
    """Images per second of ``step`` over ``batches``, after ``warmup`` untimed steps."""
    for images, labels in batches[:warmup]:
        step(images, labels)
    synchronize(device)
    timed = batches[warmup:]
    start = time.perf_counter()
    for images, labels in timed:
        step(images, labels)
    synchronize(device)
    return sum(len(labels) for _, labels in timed) / (time.perf_counter() - start)


def make_model(args: argparse.Namespace, device: torch.device) -> network.ImageClassifier:
    torch.manual_seed(0)
    return network.build(
        [f"class-{index}" for index in range(args.classes)], args.image_size, args.base_model, "none"
    ).to(device)


def project_step(args: argparse.Namespace, device: torch.device, precision: str) -> Callable:
    model = make_model(args, device)
    channels_last = device.type == "cuda"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    schedule = training.warmup_cosine(optimizer, warmup_steps=2, total_steps=args.steps + args.warmup)
    step = training.TrainingStep(
        model, optimizer, schedule, training.choose_precision(precision, device), device, channels_last=channels_last
    )
    model.train()

    def run(images: torch.Tensor, labels: torch.Tensor) -> None:
        step(*step.to_device(images, labels))

    return run


def reference_step(args: argparse.Namespace, device: torch.device, precision: str) -> Callable:
    model = make_model(args, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    chosen = training.choose_precision(precision, device)
    scaler = torch.amp.GradScaler(device.type, enabled=chosen.scaled)
    model.train()

    def run(images: torch.Tensor, labels: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        with chosen.autocast(device):
            loss = torch.nn.functional.cross_entropy(model(images), labels)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    return run


def ratios(results: dict[tuple[str, str], float], mixed: str, device: torch.device) -> dict[str, object]:
    """The ratios the goals are about and, on a GPU, whether both goals are met (None elsewhere)."""
    found = {
        "project_over_reference_fp32": results[("project", "fp32")] / results[("reference", "fp32")],
        f"project_over_reference_{mixed}": results[("project", mixed)] / results[("reference", mixed)],
        f"project_{mixed}_over_fp32": results[("project", mixed)] / results[("project", "fp32")],
    }
    met = (
        min(found["project_over_reference_fp32"], found[f"project_over_reference_{mixed}"]) >= PROJECT_GOAL
        and found[f"project_{mixed}_over_fp32"] >= MIXED_PRECISION_GOAL
    )
    return {
        **{name: round(value, 3) for name, value in found.items()},
        "goals_met": met if device.type == "cuda" else None,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", default=network.DEFAULT_BASE_MODEL, help=f"({network.DEFAULT_BASE_MODEL})")
    parser.add_argument("--image-size", type=int, default=224, help="(224)")
    parser.add_argument("--batch-size", type=int, default=64, help="(64)")
    parser.add_argument("--classes", type=int, default=10, help="(10)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before them (5)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the four measurements; the best counts (3)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads of torch (0: torch's default)")
    args = parser.parse_args(argv)
    if min(args.image_size, args.batch_size, args.classes, args.steps, args.rounds) < 1 or args.warmup < 0:
        parser.error(
            "--image-size, --batch-size, --classes, --steps and --rounds must be at least 1, --warmup at least 0"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    use_gpu = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if use_gpu else "cpu")
    mixed = "auto" if device.type == "cuda" else "bf16"
    generator = torch.Generator().manual_seed(0)
    batches = [
        (
            torch.rand(args.batch_size, 3, args.image_size, args.image_size, generator=generator).to(device),
            torch.randint(0, args.classes, (args.batch_size,), generator=generator).to(device),
        )
        for _ in range(args.warmup + args.steps)
    ]
    machine = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    )
    results: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for precision in ("fp32", mixed):
            name = training.choose_precision(precision, device).name
            for loop, make in (("reference", reference_step), ("project", project_step)):
                rate = images_per_second(make(args, device, precision), batches, device, args.warmup)
                results[(loop, name)] = max(rate, results.get((loop, name), 0.0))
    for (loop, name), rate in results.items():
        print(json.dumps({"loop": loop, "precision": name, "images_per_second": round(rate, 1)}), flush=True)
    mixed_name = training.choose_precision(mixed, device).name
    summary = {
        "device": device.type,
        "machine": machine,
        "torch": torch.__version__,
        "base_model": args.base_model,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        **ratios(results, mixed_name, device),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
