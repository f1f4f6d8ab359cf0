"""Whole training runs on the GPU equal the same runs on the CPU (float32 tolerance)."""
import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 3 * 3, 4))


def _train(model, device, optimizer, x, y, steps=4):
    model = model.to(device)
    opt = optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


OPTIMIZERS = {
    "adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_training_matches_cpu(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 12)).astype(np.float32)
    y = rng.integers(0, 5, 9)
    cpu_losses, cpu_params = _train(_mlp(), "cpu", OPTIMIZERS[name], x, y)
    gpu_losses, gpu_params = _train(_mlp(), "cuda", OPTIMIZERS[name], x, y)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5, atol=1e-6)
    for g, c in zip(gpu_params, cpu_params):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)
    assert cpu_losses[-1] < cpu_losses[0]


def test_cnn_training_matches_cpu():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 4, 4)
    cpu_losses, cpu_params = _train(_cnn(), "cpu", OPTIMIZERS["sgd_momentum"], x, y, steps=3)
    gpu_losses, gpu_params = _train(_cnn(), "cuda", OPTIMIZERS["sgd_momentum"], x, y, steps=3)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5, atol=1e-6)
    for g, c in zip(gpu_params, cpu_params):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)
