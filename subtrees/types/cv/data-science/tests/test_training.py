"""Tests of the training step (training.py): precision, gradient accumulation, the schedule, checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import training


def linear_step(accumulation_steps: int, precision: str = "fp32") -> training.TrainingStep:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    device = torch.device("cpu")
    return training.TrainingStep(
        model, optimizer, scheduler, training.choose_precision(precision, device), device, accumulation_steps
    )


def test_accumulated_batches_make_the_same_step_as_one_batch_of_their_size() -> None:
    images, labels = torch.randn(8, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    whole, halves = linear_step(1), linear_step(2)

    whole(images, labels)
    halves(images[:4], labels[:4])
    assert torch.equal(halves.model.weight, linear_step(2).model.weight)  # no step after the first half
    halves(images[4:], labels[4:])

    torch.testing.assert_close(halves.model.weight, whole.model.weight)
    assert halves.pending == 0 and halves.model.weight.grad is None


def test_the_last_batch_of_an_epoch_steps_even_when_the_accumulation_is_not_full() -> None:
    step = linear_step(4)
    before = step.model.weight.clone()

    step(torch.randn(2, 4), torch.tensor([0, 1]), last=True)

    assert not torch.equal(step.model.weight, before)


def test_bfloat16_computes_in_bfloat16_and_keeps_float32_weights() -> None:
    step = linear_step(1, "bf16")
    logits, _ = step(torch.randn(4, 4), torch.tensor([0, 1, 2, 0]))

    assert logits.dtype == torch.bfloat16
    assert step.model.weight.dtype == torch.float32


def test_precision_follows_the_device() -> None:
    cpu = torch.device("cpu")
    assert training.choose_precision("auto", cpu) == training.Precision("fp32", None)
    assert training.choose_precision("bf16", cpu).dtype == torch.bfloat16
    with pytest.raises(training.SettingError, match="--precision fp16 needs a GPU"):
        training.choose_precision("fp16", cpu)


def test_the_learning_rate_warms_up_linearly_then_follows_a_cosine_to_zero() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0)
    schedule = training.warmup_cosine(optimizer, warmup_steps=4, total_steps=12)
    rates = []
    for _ in range(13):
        rates.append(schedule.get_last_lr()[0])
        optimizer.step()
        schedule.step()

    assert rates[0] == pytest.approx(0.01)
    assert rates[2] == pytest.approx(0.01 + 0.99 * 2 / 4)
    assert rates[4] == pytest.approx(1.0)
    assert rates[8] == pytest.approx(0.5)
    assert rates[12] == pytest.approx(0.0, abs=1e-12)
    assert rates[4:] == sorted(rates[4:], reverse=True)


def test_a_checkpoint_replaces_the_previous_one_whole(tmp_path: Path) -> None:
    assert training.load_checkpoint(tmp_path) is None
    assert training.load_checkpoint(None) is None

    training.save_checkpoint(tmp_path / "checkpoints", {"epoch": 1})
    training.save_checkpoint(tmp_path / "checkpoints", {"epoch": 2})

    assert training.load_checkpoint(tmp_path / "checkpoints") == {"epoch": 2}
    assert [path.name for path in (tmp_path / "checkpoints").iterdir()] == ["last.pt"]
