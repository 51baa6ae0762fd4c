"""The image classifier: a small convolutional network in plain PyTorch.

The network takes a batch of RGB images as a float tensor of shape (N, 3, H, W) with values in [0, 1],
resizes it to the size it was trained on when H or W differ, normalises it and returns one logit per class.
Keeping the resizing and the normalisation inside the network makes the saved model self-contained: the
scoring scripts and Azure ML's Responsible AI vision dashboard only have to turn an image into such a tensor.

train.py saves the network with MLflow's pytorch flavour together with this file (``code_paths``), so that
the model loads wherever MLflow loads it, without this project's source folder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional


class ImageClassifier(nn.Module):
    """Three convolution blocks, global average pooling and a linear layer over ``classes``."""

    def __init__(self, classes: Sequence[str], image_size: int = 64, width: int = 16, dropout: float = 0.2) -> None:
        super().__init__()
        if len(classes) < 2:
            raise ValueError("an image classifier needs at least two classes")
        self.classes = list(classes)
        self.image_size = image_size
        self.features = nn.Sequential(
            block(3, width),
            nn.MaxPool2d(2),
            block(width, 2 * width),
            nn.MaxPool2d(2),
            block(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * width, len(self.classes)))
        # The pixels are centred on 0 with unit spread (roughly) before the first convolution.
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-2:] != (self.image_size, self.image_size):
            images = functional.interpolate(
                images, size=(self.image_size, self.image_size), mode="bilinear", align_corners=False, antialias=True
            )
        return self.head(self.features((images - self.mean) / self.std))


def block(channels_in: int, channels_out: int) -> nn.Sequential:
    # Group normalisation rather than batch normalisation: it behaves the same in training and in
    # evaluation (no running statistics that a short training leaves behind) and with batches of one image.
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, kernel_size=3, padding=1, bias=False),
        nn.GroupNorm(math.gcd(channels_out, 8), channels_out),
        nn.ReLU(inplace=True),
    )


@torch.no_grad()
def predict_probabilities(model: nn.Module, images: Sequence[torch.Tensor], batch_size: int = 64) -> torch.Tensor:
    """The class probabilities (N, classes) of ``images``, each a (3, H, W) tensor of the model's input size."""
    model.eval()
    device = next(model.parameters()).device
    batches = [
        functional.softmax(model(torch.stack(list(images[start : start + batch_size])).to(device)), dim=1).cpu()
        for start in range(0, len(images), batch_size)
    ]
    return torch.cat(batches) if batches else torch.empty(0, len(getattr(model, "classes", [])))
