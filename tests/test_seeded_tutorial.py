"""The MNIST tutorial (examples/05_mnist_mlp.py) seeded, run in both libraries from nothing but
``manual_seed(0)``: default initialisation, a shuffling DataLoader on the default generator,
(optionally) dropout, SGD with momentum. Each prints its losses as the tutorial formats them;
the printed lines must be the same strings.

Unlike tests/test_seeds.py, no parameters are copied from torch: the initial weights, the
batch orders and the dropout masks all come from numbagrad's own torch-compatible streams.
"""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad


def _program(torch, images: np.ndarray, labels: np.ndarray, dropout: bool,
             epochs: int = 3) -> list[str]:
    nn, optim = torch.nn, torch.optim
    F = torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.fc1 = nn.Linear(28 * 28, 512)
            self.drop = nn.Dropout(0.2) if dropout else nn.Identity()
            self.fc2 = nn.Linear(512, 10)

        def forward(self, x):
            x = x.view(-1, 28 * 28)
            x = self.drop(F.relu(self.fc1(x)))
            return self.fc2(x)

    torch.manual_seed(0)
    net = Net()
    data = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    trainloader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    printed = []
    for epoch in range(epochs):
        losses = []
        for inputs, targets in trainloader:
            optimizer.zero_grad()
            loss = criterion(net(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            printed.append(f"{loss.item():.4f}")
        printed.append(f"epoch {epoch + 1}/{epochs} loss {sum(losses) / len(losses):.4f}")
    return printed


def _digits(n: int = 224):
    images, labels = numbagrad.datasets.load_digits(train=True)
    images = (images.numpy()[:n] - np.float32(0.5)) / np.float32(0.5)
    return np.ascontiguousarray(images, dtype=np.float32), labels.numpy()[:n].copy()


@pytest.mark.parametrize("dropout", [False, True])
def test_seeded_tutorial_prints_torchs_losses(dropout):
    torch = pytest.importorskip("torch")
    images, labels = _digits()
    ours = _program(numbagrad, images, labels, dropout)
    theirs = _program(torch, images, labels, dropout)
    assert len(ours) == 3 * (224 // 32 + 1)
    assert ours == theirs
