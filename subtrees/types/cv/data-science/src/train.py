"""Step 2, train: fit the image classifier to the training images and save it as an MLflow model.

The network (network.ImageClassifier, a small CNN in plain PyTorch) learns from the class folders of
--train-data with Adam and cross-entropy, images resized to --image-size and flipped left-right at random.

One script for every scale:

- launched on its own (a laptop, the tests, a one-GPU job) it trains in one process, on the GPU when
  there is one, else on the CPU, without any process group;
- launched distributed (Azure ML's PyTorch distribution or torchrun set WORLD_SIZE, RANK, LOCAL_RANK,
  MASTER_ADDR and MASTER_PORT) each process joins the process group (NCCL on GPUs, gloo on CPUs),
  trains on its share of every epoch (DistributedSampler) and the gradients are averaged by
  DistributedDataParallel. WORLD_SIZE=1 runs that code path in a single process (the tests do).

Only the first process (rank 0) logs to MLflow and saves the model. The run is seeded: the same data,
arguments and number of processes give the same model on the same hardware.

    python data-science/src/train.py --train-data outputs/train --model-output outputs/model --epochs 5

--model-output must be empty or not exist yet; the model is saved there with MLflow's pytorch flavour,
with network.py beside it, the class names and the image size in its metadata, a signature and an input
example (a batch of one image tensor).
"""

from __future__ import annotations

import argparse
import json
import os
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
from common import DataError, image_tensor, mlflow_run, read_image_set
from mlflow.models import infer_signature
from torch.utils.data import DataLoader, Dataset, DistributedSampler, RandomSampler

# What the saved model needs to be loaded, pinned to the versions that trained it (without a local
# version label such as +cpu, so that a GPU machine installs its own build). Giving the list spares
# MLflow from inferring it, which is slow.
MODEL_REQUIREMENTS = ("mlflow", "torch", "numpy", "pillow")


class ImageFolderDataset(Dataset):
    """The images of a folder with one sub-folder per class, decoded on demand as (tensor, class index)."""

    def __init__(self, folder: Path, image_size: int) -> None:
        files = read_image_set(folder)
        self.classes = list(files)
        self.samples = [(path, index) for index, name in enumerate(self.classes) for path in files[name]]
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        return image_tensor(path, self.image_size), label


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


def choose_device(requested: str, local_rank: int) -> torch.device:
    if requested == "cuda" or (requested == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise DataError("--device cuda was asked for, but PyTorch sees no GPU")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def model_requirements() -> list[str]:
    return [f"{name}=={version(name).split('+')[0]}" for name in MODEL_REQUIREMENTS]


def check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataError(f"{folder} is not empty: give a new or empty folder for the model")


def train_epochs(
    model: torch.nn.Module,
    loader: DataLoader,
    sampler: Any,
    device: torch.device,
    args: argparse.Namespace,
    processes: Processes,
) -> dict[str, float]:
    """Train for args.epochs epochs; the loss and accuracy of the last epoch over all processes."""
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    loss_function = torch.nn.CrossEntropyLoss(reduction="sum")
    flips = torch.Generator().manual_seed(args.seed + processes.rank)
    totals = torch.zeros(3)
    for epoch in range(args.epochs):
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(epoch)
        model.train()
        totals = torch.zeros(3, device=device)  # summed loss, correct answers, images
        for images, labels in loader:
            flip = torch.rand(len(images), generator=flips) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(-1), images).to(device)
            labels = labels.to(device)
            optimizer.zero_grad()
            logits = model(images)
            loss = loss_function(logits, labels)
            (loss / len(images)).backward()
            optimizer.step()
            totals += torch.stack(
                [
                    loss.detach(),
                    (logits.argmax(dim=1) == labels).sum().float(),
                    torch.tensor(float(len(images)), device=device),
                ]
            )
        if processes.distributed:
            torch.distributed.all_reduce(totals)
        loss_sum, correct, count = totals.tolist()
        epoch_metrics = {"train_loss": loss_sum / count, "train_accuracy": correct / count}
        if processes.is_main:
            mlflow.log_metrics(epoch_metrics, step=epoch)
            print(json.dumps({"epoch": epoch + 1, **epoch_metrics}), flush=True)
    loss_sum, correct, count = totals.tolist()
    return {"train_loss": loss_sum / count, "train_accuracy": correct / count}


def save(model: network.ImageClassifier, folder: Path) -> None:
    """Save the trained network, on the CPU, as an MLflow pytorch model with network.py beside it."""
    model = model.to("cpu").eval()
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
        metadata={"classes": model.classes, "image_size": model.image_size},
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-data", type=Path, required=True, help="folder with one sub-folder per class")
    parser.add_argument("--model-output", type=Path, required=True, help="new or empty folder for the MLflow model")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training images (10)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per step and process (32)")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's learning rate (0.001)")
    parser.add_argument("--image-size", type=int, default=64, help="images are resized to this square (64)")
    parser.add_argument("--width", type=int, default=16, help="channels of the first convolution (16)")
    parser.add_argument("--num-workers", type=int, default=0, help="image-decoding worker processes (0)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: a GPU if any")
    parser.add_argument("--seed", type=int, default=42, help="seed of the weights, the order and the flips (42)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if min(args.epochs, args.batch_size, args.width) < 1 or args.image_size < 8 or args.learning_rate <= 0:
        print(
            "error: --epochs, --batch-size and --width must be at least 1, --image-size at least 8 and "
            "--learning-rate positive",
            file=sys.stderr,
        )
        return 1
    try:
        check_empty(args.model_output)
        dataset = ImageFolderDataset(args.train_data, args.image_size)
        use_gpu = args.device != "cpu" and torch.cuda.is_available()
        with process_group(use_gpu) as processes:
            device = choose_device(args.device, processes.local_rank)
            torch.manual_seed(args.seed)
            if processes.distributed:
                sampler: Any = DistributedSampler(
                    dataset, num_replicas=processes.world_size, rank=processes.rank, shuffle=True, seed=args.seed
                )
            else:
                sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(args.seed))
            loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, num_workers=args.num_workers)
            classifier = network.ImageClassifier(dataset.classes, image_size=args.image_size, width=args.width)
            model: torch.nn.Module = classifier.to(device)
            if processes.distributed:
                device_ids = [device.index] if device.type == "cuda" else None
                model = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

            with mlflow_run() if processes.is_main else nullcontext():
                if processes.is_main:
                    mlflow.log_params(
                        {
                            "model": "ImageClassifier",
                            "classes": ",".join(dataset.classes),
                            "train_images": len(dataset),
                            "epochs": args.epochs,
                            "batch_size": args.batch_size,
                            "learning_rate": args.learning_rate,
                            "image_size": args.image_size,
                            "width": args.width,
                            "seed": args.seed,
                            "processes": processes.world_size,
                            "device": device.type,
                        }
                    )
                final = train_epochs(model, loader, sampler, device, args, processes)
                if processes.is_main:
                    save(classifier, args.model_output)
            if processes.distributed:
                torch.distributed.barrier()  # the others wait until the model is saved
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if processes.is_main:
        print(json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(main())
