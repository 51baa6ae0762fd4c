"""The training step of the image classifier, apart from data and bookkeeping: mixed precision, gradient
accumulation, the learning-rate schedule and the checkpoints that let a preempted job resume.

train.py drives it over the epochs; benchmarks/throughput.py times the same step against a plain loop.

- **Mixed precision** (``--precision``): ``auto`` computes in bfloat16 on GPUs that support it, else in
  float16 with a gradient scaler, and in float32 on the CPU; ``bf16``, ``fp16`` and ``fp32`` force one.
  The weights stay in float32 (``torch.autocast``), so the saved model is the same either way.
- **Gradient accumulation** (``--accumulation-steps``): the gradients of that many batches are summed
  before one optimiser step, so a small GPU trains with the effective batch of a large one. Under
  DistributedDataParallel the processes synchronise only on the batch that steps (``no_sync``).
- **Schedule**: AdamW; the learning rate rises linearly from 1% to its peak over the warm-up steps, then
  follows a cosine down to zero at the last step.
- **Checkpoints**: ``save_checkpoint``/``load_checkpoint`` write and read everything a resumed run needs
  (weights, optimiser, schedule, scaler, random generators, the best weights so far), written to a
  temporary file and renamed, so a kill in the middle of a write leaves the previous checkpoint whole.
"""

from __future__ import annotations

import math
import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

PRECISIONS = ("auto", "bf16", "fp16", "fp32")
CHECKPOINT = "last.pt"


class SettingError(ValueError):
    """A training setting this machine cannot honour; train.py prints it and exits with 1."""


@dataclass(frozen=True)
class Precision:
    """How the forward pass computes: ``dtype`` None is plain float32; ``scaled`` uses a gradient scaler."""

    name: str
    dtype: torch.dtype | None

    @property
    def scaled(self) -> bool:
        return self.dtype == torch.float16

    def autocast(self, device: torch.device) -> AbstractContextManager[Any]:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.dtype)


def choose_precision(requested: str, device: torch.device) -> Precision:
    """The precision ``requested`` (one of PRECISIONS) on ``device``; SettingError where the device lacks it."""
    if requested == "auto":
        if device.type != "cuda":
            return Precision("fp32", None)
        requested = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if requested == "bf16":
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise SettingError("--precision bf16: this GPU does not support bfloat16; use fp16 or auto")
        return Precision("bf16", torch.bfloat16)
    if requested == "fp16":
        if device.type != "cuda":
            raise SettingError("--precision fp16 needs a GPU; on the CPU use bf16 or fp32")
        return Precision("fp16", torch.float16)
    return Precision("fp32", None)


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int) -> Any:
    """A schedule that warms up linearly over ``warmup_steps`` and then decays along a cosine to zero."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return 0.01 + 0.99 * step / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class TrainingStep:
    """One optimiser step's worth of work, fed batch by batch: forward under autocast, scaled backward,
    and an optimiser and schedule step every ``accumulation_steps`` batches (or when told it is the last)."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        scheduler: Any,
        precision: Precision,
        device: torch.device,
        accumulation_steps: int = 1,
        channels_last: bool = False,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.precision = precision
        self.device = device
        self.accumulation_steps = accumulation_steps
        self.channels_last = channels_last
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision.scaled)
        self.loss_function = nn.CrossEntropyLoss()
        self.pending = 0  # batches whose gradients wait for the next optimiser step

    def to_device(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        return (
            images.to(self.device, non_blocking=True, memory_format=memory_format),
            labels.to(self.device, non_blocking=True),
        )

    def __call__(
        self, images: torch.Tensor, labels: torch.Tensor, last: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Learn from one batch (already on the device); the batch's logits and mean loss, detached."""
        self.pending += 1
        stepping = last or self.pending == self.accumulation_steps
        # Under DDP the gradients are averaged across processes only on the batch that steps.
        synced = self.model.no_sync() if not stepping and hasattr(self.model, "no_sync") else nullcontext()
        with synced:
            with self.precision.autocast(self.device):
                logits = self.model(images)
                loss = self.loss_function(logits.float(), labels)
            self.scaler.scale(loss / self.accumulation_steps).backward()
        if stepping:
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.optimizer.zero_grad(set_to_none=True)
            self.scheduler.step()
            self.pending = 0
        return logits.detach(), loss.detach()


def save_checkpoint(folder: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``folder``/last.pt through a temporary file, so the previous one stays whole until then."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{CHECKPOINT}.{os.getpid()}.tmp"
    torch.save(state, partial)
    os.replace(partial, folder / CHECKPOINT)


def load_checkpoint(folder: Path | None) -> dict[str, Any] | None:
    """The state in ``folder``/last.pt, or None when there is none (a first start)."""
    if folder is None or not (folder / CHECKPOINT).is_file():
        return None
    return torch.load(folder / CHECKPOINT, map_location="cpu", weights_only=False)


def random_states() -> dict[str, Any]:
    """The states of torch's random generators, which a resumed run restores to continue the same sequence."""
    states: dict[str, Any] = {"cpu": torch.random.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: dict[str, Any]) -> None:
    torch.random.set_rng_state(states["cpu"])
    if "cuda" in states and torch.cuda.is_available() and len(states["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(states["cuda"])
