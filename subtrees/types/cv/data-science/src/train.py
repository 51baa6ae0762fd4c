"""Step 2, train: fine-tune a pretrained backbone to classify the training images; save it as an MLflow model.

The network (network.build: a torchvision architecture, --base-model, started from --weights, with a new
head) learns from the class folders of --train-data, images resized to --image-size and flipped
left-right at random. A share of each class (--validation-share) is held out to pick the best epoch: the
saved model is the one with the best validation accuracy, not the last one.

One script for every scale:

- launched on its own (a laptop, the tests, a one-GPU job) it trains in one process, on the GPU when
  there is one, else on the CPU, without any process group;
- launched distributed (Azure ML's PyTorch distribution or torchrun set WORLD_SIZE, RANK, LOCAL_RANK,
  MASTER_ADDR and MASTER_PORT) each process joins the process group (NCCL on GPUs, gloo on CPUs),
  trains on its share of every epoch and DistributedDataParallel averages the gradients, across as many
  nodes as the job has. WORLD_SIZE=1 runs that code path in a single process (the tests do).

What makes it fast on GPUs (training.py): mixed precision (--precision auto: bfloat16 where the GPU has
it, else float16 with a gradient scaler), channels-last memory layout, --num-workers decoding processes
with pinned memory, and gradient accumulation (--accumulation-steps). The learning rate warms up over
--warmup-epochs, then decays along a cosine.

With --checkpoint-dir, the first process writes a checkpoint there after every epoch, and a run that
finds one resumes after its epoch: on Azure ML low-priority nodes a preempted job is started again, with
the same output folder, and goes on where it stopped. --profile-steps N records N training steps with
the PyTorch profiler into --profile-output (a Chrome trace and a table of the costliest operators).

Only the first process (rank 0) logs to MLflow and saves the model. The run is seeded: the same data,
arguments and number of processes give the same model on the same hardware.

    python data-science/src/train.py --train-data outputs/train --model-output outputs/model --epochs 5

--model-output must be empty or not exist yet; the model is saved there with MLflow's pytorch flavour,
with network.py beside it, the class names, image size and base model in its metadata, a signature and an
input example (a batch of one image tensor).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pytorch
import network
import torch
import training
from common import DataError, image_tensor, mlflow_run, read_image_set
from mlflow.models import infer_signature
from torch.utils.data import DataLoader, Dataset, DistributedSampler

# What the saved model needs to be loaded, pinned to the versions that trained it (without a local
# version label such as +cpu or +cu130, so that each machine installs its own build of the same release).
# Giving the list spares MLflow from inferring it, which is slow.
MODEL_REQUIREMENTS = ("mlflow", "torch", "torchvision", "numpy", "pillow")


class ImageListDataset(Dataset):
    """Image files with their class index, decoded on demand as (tensor, class index)."""

    def __init__(self, samples: Sequence[tuple[Path, int]], image_size: int) -> None:
        self.samples = list(samples)
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        return image_tensor(path, self.image_size), label


def split_classes(
    files: dict[str, list[Path]], validation_share: float, seed: int
) -> tuple[list[tuple[Path, int]], list[tuple[Path, int]]]:
    """Training and validation samples: ``validation_share`` of each class held out at random (seeded),
    at least one image of each class kept for training; none held out when the share is 0."""
    generator = random.Random(seed)
    train, validation = [], []
    for index, name in enumerate(files):
        paths = list(files[name])
        generator.shuffle(paths)
        held_out = min(len(paths) - 1, round(len(paths) * validation_share))
        validation += [(path, index) for path in paths[:held_out]]
        train += [(path, index) for path in paths[held_out:]]
    return train, validation


@dataclass(frozen=True)
class Processes:
    """Where this process stands among the training processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    distributed: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_distributed() -> bool:
    """Whether a launcher (Azure ML's PyTorch distribution, torchrun) started this process as one of a group."""
    return all(name in os.environ for name in ("WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"))


@contextmanager
def process_group(use_gpu: bool) -> Iterator[Processes]:
    """Join the process group for the duration of the block when launched distributed; else a single process."""
    if not launched_distributed():
        yield Processes()
        return
    import torch.distributed as dist

    dist.init_process_group(backend="nccl" if use_gpu else "gloo")
    try:
        yield Processes(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), True)
    finally:
        dist.destroy_process_group()


def barrier(processes: Processes) -> None:
    if processes.distributed:
        torch.distributed.barrier()


def choose_device(requested: str, local_rank: int) -> torch.device:
    if requested == "cuda" or (requested == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise DataError("--device cuda was asked for, but PyTorch sees no GPU")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def build_network(classes: Sequence[str], args: argparse.Namespace, processes: Processes) -> network.ImageClassifier:
    """The network to fine-tune. The first process of each node fetches the pretrained weights into the
    node's cache while the others wait, then they read them from there: one download per node."""
    first_on_node = processes.local_rank == 0
    if not first_on_node:
        barrier(processes)
    try:
        classifier = network.build(classes, args.image_size, args.base_model, args.weights)
    finally:
        if first_on_node:
            barrier(processes)
    return classifier


def model_requirements() -> list[str]:
    return [f"{name}=={version(name).split('+')[0]}" for name in MODEL_REQUIREMENTS]


def check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataError(f"{folder} is not empty: give a new or empty folder for the model")


def loader(dataset: Dataset, args: argparse.Namespace, processes: Processes, device: torch.device, train: bool) -> Any:
    """Batches of ``dataset`` for this process: its share of a seeded shuffle per epoch (set_epoch) when
    training, a fixed share when validating; decoded by --num-workers processes into pinned memory on GPUs."""
    sampler = DistributedSampler(
        dataset,
        num_replicas=processes.world_size,
        rank=processes.rank,
        shuffle=train,
        seed=args.seed,
        drop_last=False,
    )
    workers = args.num_workers
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


@torch.no_grad()
def validate(model: torch.nn.Module, batches: Any, step: training.TrainingStep, processes: Processes) -> float:
    """The accuracy on the validation images, over all processes (a share each)."""
    model.eval()
    counts = torch.zeros(2, device=step.device)  # correct answers, images
    for images, labels in batches:
        images, labels = step.to_device(images, labels)
        with step.precision.autocast(step.device):
            logits = model(images)
        counts += torch.stack(
            [(logits.argmax(dim=1) == labels).sum().float(), torch.tensor(float(len(labels)), device=step.device)]
        )
    if processes.distributed:
        torch.distributed.all_reduce(counts)
    correct, count = counts.tolist()
    return correct / count


@contextmanager
def profiler(args: argparse.Namespace, device: torch.device, processes: Processes) -> Iterator[Any]:
    """The PyTorch profiler over the first --profile-steps training steps of the first process (else nothing)."""
    if args.profile_steps < 1 or not processes.is_main:
        yield None
        return
    from torch.profiler import ProfilerActivity, profile, schedule

    output = args.profile_output
    output.mkdir(parents=True, exist_ok=True)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])

    def write(result: Any) -> None:
        result.export_chrome_trace(str(output / "trace.json"))
        sort_by = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        (output / "operators.txt").write_text(result.key_averages().table(sort_by=sort_by, row_limit=30) + "\n")
        print(json.dumps({"profile": str(output), "steps": args.profile_steps}), flush=True)

    with profile(
        activities=activities,
        schedule=schedule(wait=1, warmup=1, active=args.profile_steps, repeat=1),
        on_trace_ready=write,
        record_shapes=True,
    ) as recording:
        yield recording


def train_epochs(
    classifier: network.ImageClassifier,
    model: torch.nn.Module,
    train_set: Dataset,
    validation_set: Dataset | None,
    device: torch.device,
    args: argparse.Namespace,
    processes: Processes,
) -> dict[str, Any]:
    """Train for args.epochs epochs (from a checkpoint's epoch when there is one); keeps the best weights in
    ``classifier`` and returns the last epoch's metrics with the best validation accuracy and its epoch."""
    batches = loader(train_set, args, processes, device, train=True)
    validation_batches = loader(validation_set, args, processes, device, train=False) if validation_set else None
    steps_per_epoch = math.ceil(len(batches) / args.accumulation_steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    scheduler = training.warmup_cosine(
        optimizer, round(args.warmup_epochs * steps_per_epoch), steps_per_epoch * args.epochs
    )
    step = training.TrainingStep(
        model,
        optimizer,
        scheduler,
        training.choose_precision(args.precision, device),
        device,
        accumulation_steps=args.accumulation_steps,
        channels_last=device.type == "cuda",
    )
    setup = {"base_model": args.base_model, "classes": classifier.classes, "image_size": args.image_size}
    best = {"accuracy": -1.0, "epoch": 0, "weights": None}
    first_epoch = 0
    checkpoint = training.load_checkpoint(args.checkpoint_dir)
    if checkpoint is not None:
        if checkpoint["setup"] != setup:
            raise DataError(
                f"the checkpoint in {args.checkpoint_dir} was written for {checkpoint['setup']}, not {setup}: "
                "give an empty --checkpoint-dir to start afresh"
            )
        classifier.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        step.scaler.load_state_dict(checkpoint["scaler"])
        training.restore_random_states(checkpoint["random"])
        best = checkpoint["best"]
        first_epoch = checkpoint["epoch"]
        if processes.is_main:
            print(json.dumps({"resumed_after_epoch": first_epoch, "checkpoint": str(args.checkpoint_dir)}), flush=True)

    metrics: dict[str, Any] = {}
    with profiler(args, device, processes) as recording:
        for epoch in range(first_epoch, args.epochs):
            batches.sampler.set_epoch(epoch)
            flips = torch.Generator().manual_seed(args.seed + 7919 * epoch + processes.rank)
            model.train()
            totals = torch.zeros(3, device=device)  # summed loss, correct answers, images
            for position, (images, labels) in enumerate(batches):
                flip = torch.rand(len(images), generator=flips) < 0.5
                images = torch.where(flip[:, None, None, None], images.flip(-1), images)
                images, labels = step.to_device(images, labels)
                logits, loss = step(images, labels, last=position == len(batches) - 1)
                totals += torch.stack(
                    [
                        loss * len(labels),
                        (logits.argmax(dim=1) == labels).sum().float(),
                        torch.tensor(float(len(labels)), device=device),
                    ]
                )
                if recording is not None:
                    recording.step()
            if processes.distributed:
                torch.distributed.all_reduce(totals)
            loss_sum, correct, count = totals.tolist()
            metrics = {"train_loss": loss_sum / count, "train_accuracy": correct / count}
            if validation_batches is not None:
                metrics["validation_accuracy"] = validate(classifier, validation_batches, step, processes)
            score = metrics.get("validation_accuracy", metrics["train_accuracy"])
            if validation_batches is None:  # nothing to choose by: the last epoch's weights are kept
                best = {"accuracy": score, "epoch": epoch + 1, "weights": None}
            elif score > best["accuracy"]:
                weights = {name: value.detach().to("cpu", copy=True) for name, value in classifier.state_dict().items()}
                best = {"accuracy": score, "epoch": epoch + 1, "weights": weights}
            if processes.is_main:
                mlflow.log_metrics({**metrics, "learning_rate": scheduler.get_last_lr()[0]}, step=epoch)
                print(json.dumps({"epoch": epoch + 1, **metrics}), flush=True)
                if args.checkpoint_dir is not None:
                    training.save_checkpoint(
                        args.checkpoint_dir,
                        {
                            "setup": setup,
                            "epoch": epoch + 1,
                            "model": classifier.state_dict(),
                            "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict(),
                            "scaler": step.scaler.state_dict(),
                            "random": training.random_states(),
                            "best": best,
                        },
                    )
            barrier(processes)  # every process sees the checkpoint of this epoch before the next one
    if best["weights"] is not None:
        classifier.load_state_dict(best["weights"])
    return {**metrics, "best_epoch": best["epoch"], "best_accuracy": best["accuracy"]}


def save(model: network.ImageClassifier, folder: Path) -> None:
    """Save the trained network, on the CPU, as an MLflow pytorch model with network.py beside it."""
    model = model.to("cpu", memory_format=torch.contiguous_format).eval()
    example = torch.zeros(1, 3, model.image_size, model.image_size)
    with torch.no_grad():
        logits = model(example)
    mlflow.pytorch.save_model(
        model,
        str(folder),
        code_paths=[network.__file__],
        # The whole module, pickled: it keeps its class names, any batch size and its input resizing, which
        # MLflow's default torch.export format (pt2) would freeze to the example's shape.
        serialization_format="pickle",
        signature=infer_signature(example.numpy(), logits.numpy()),
        input_example=example.numpy(),
        pip_requirements=model_requirements(),
        metadata={"classes": model.classes, "image_size": model.image_size, "base_model": model.base_model},
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-data", type=Path, required=True, help="folder with one sub-folder per class")
    parser.add_argument("--model-output", type=Path, required=True, help="new or empty folder for the MLflow model")
    parser.add_argument(
        "--base-model",
        default=network.DEFAULT_BASE_MODEL,
        help=f"torchvision classification architecture to fine-tune ({network.DEFAULT_BASE_MODEL})",
    )
    parser.add_argument(
        "--weights",
        default=network.DEFAULT_WEIGHTS,
        help="starting weights: DEFAULT (torchvision's pretrained weights, fetched once), none, or a .pth state dict",
    )
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training images (10)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per batch and process (32)")
    parser.add_argument("--accumulation-steps", type=int, default=1, help="batches per optimiser step (1)")
    parser.add_argument("--learning-rate", type=float, default=5e-4, help="AdamW's peak learning rate (0.0005)")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW's weight decay (0.0001)")
    parser.add_argument("--warmup-epochs", type=float, default=1.0, help="epochs of linear warm-up (1)")
    parser.add_argument("--image-size", type=int, default=224, help="images are resized to this square (224)")
    parser.add_argument(
        "--validation-share", type=float, default=0.2, help="share of each class that picks the best epoch (0.2)"
    )
    parser.add_argument(
        "--precision", choices=training.PRECISIONS, default="auto", help="auto: bf16 or fp16 on GPUs, fp32 on CPUs"
    )
    parser.add_argument("--num-workers", type=int, default=0, help="image-decoding worker processes per process (0)")
    parser.add_argument("--checkpoint-dir", type=Path, help="folder of the checkpoint to resume from and to write")
    parser.add_argument(
        "--profile-steps", type=int, default=0, help="training steps to record with the profiler (0: none)"
    )
    parser.add_argument("--profile-output", type=Path, default=Path("outputs/profiler"), help="where the profile goes")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: a GPU if any")
    parser.add_argument(
        "--seed", type=int, default=42, help="seed of the head, the order, the split and the flips (42)"
    )
    return parser.parse_args(argv)


def problem(args: argparse.Namespace) -> str:
    """Why the arguments cannot work, "" when they can."""
    if min(args.epochs, args.batch_size, args.accumulation_steps) < 1 or args.image_size < 8:
        return "--epochs, --batch-size and --accumulation-steps must be at least 1 and --image-size at least 8"
    if args.learning_rate <= 0 or args.weight_decay < 0 or args.warmup_epochs < 0:
        return "--learning-rate must be positive, --weight-decay and --warmup-epochs at least 0"
    if not 0 <= args.validation_share < 1 or args.num_workers < 0 or args.profile_steps < 0:
        return "--validation-share must be at least 0 and below 1, --num-workers and --profile-steps at least 0"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if problem(args):
        print(f"error: {problem(args)}", file=sys.stderr)
        return 1
    try:
        check_empty(args.model_output)
        files = read_image_set(args.train_data)
        classes = list(files)
        train_samples, validation_samples = split_classes(files, args.validation_share, args.seed)
        train_set = ImageListDataset(train_samples, args.image_size)
        validation_set = ImageListDataset(validation_samples, args.image_size) if validation_samples else None
        use_gpu = args.device != "cpu" and torch.cuda.is_available()
        with process_group(use_gpu) as processes:
            device = choose_device(args.device, processes.local_rank)
            torch.manual_seed(args.seed)
            try:
                classifier = build_network(classes, args, processes)
            except ValueError as error:
                raise DataError(str(error)) from None
            classifier = classifier.to(device)
            if device.type == "cuda":
                classifier = classifier.to(memory_format=torch.channels_last)
            model: torch.nn.Module = classifier
            if processes.distributed:
                device_ids = [device.index] if device.type == "cuda" else None
                model = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

            with mlflow_run() if processes.is_main else nullcontext():
                if processes.is_main:
                    mlflow.log_params(
                        {
                            "base_model": args.base_model,
                            "weights": args.weights,
                            "classes": ",".join(classes),
                            "train_images": len(train_set),
                            "validation_images": len(validation_samples),
                            "epochs": args.epochs,
                            "batch_size": args.batch_size,
                            "accumulation_steps": args.accumulation_steps,
                            "learning_rate": args.learning_rate,
                            "warmup_epochs": args.warmup_epochs,
                            "image_size": args.image_size,
                            "precision": training.choose_precision(args.precision, device).name,
                            "seed": args.seed,
                            "processes": processes.world_size,
                            "device": device.type,
                        }
                    )
                final = train_epochs(classifier, model, train_set, validation_set, device, args, processes)
                if processes.is_main:
                    mlflow.log_metrics({"best_epoch": final["best_epoch"]})
                    save(classifier, args.model_output)
            barrier(processes)  # the others wait until the model is saved
    except (DataError, training.SettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if processes.is_main:
        print(json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(main())
