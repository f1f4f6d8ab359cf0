"""A torchvision-style convolutional network on the bundled digits: BatchNorm, Dropout2d and a
global average pool.

Two blocks of ``Conv2d`` - ``BatchNorm2d`` - ReLU - ``MaxPool2d(2)``, a ``Dropout2d`` that drops
whole channels while training, a third ``Conv2d`` - ``BatchNorm2d`` - ReLU, then
``AdaptiveAvgPool2d(1)`` (one number per channel, whatever the image size) and a ``Linear``
classifier. Trained with ``nn.CrossEntropyLoss`` and ``optim.Adam`` under a
``lr_scheduler.OneCycleLR`` schedule on batches of 64 from a shuffling ``DataLoader``;
``model.eval()`` switches BatchNorm to its running statistics and turns Dropout2d off for the
test images.

The images are scikit-learn's bundled digits in MNIST's format
(``numbagrad.datasets.load_digits``: 1,438 training and 359 test images of 1x28x28),
normalised to [-1, 1]; nothing is downloaded.

Run::

    python examples/08_cnn_batchnorm.py
    python examples/08_cnn_batchnorm.py --epochs 5 --steps 3 --seed 0 --batch-size 64 --device cpu
"""
import argparse
import time

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad import transforms
from numbagrad.datasets import load_digits
from numbagrad.utils.data import DataLoader, TensorDataset


class DigitNet(nn.Module):
    """(N, 1, 28, 28) images → (N, 10) class scores."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1, bias=False),  # (N, 16, 28, 28)
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, 14, 14)
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 7, 7)
            nn.Dropout2d(0.1),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(4 * width),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)  # (N, 64, 1, 1)
        self.classifier = nn.Linear(4 * width, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def accuracy(model, loader, device):
    """Percentage of images whose largest score is at the right class."""
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            predicted = model(images).argmax(1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="limit the steps in each epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01, help="OneCycleLR's peak rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    normalize = transforms.Normalize((0.5,), (0.5,))
    train_images, train_labels = load_digits(train=True)
    test_images, test_labels = load_digits(train=False)
    trainloader = DataLoader(TensorDataset(normalize(train_images), train_labels),
                             batch_size=args.batch_size, shuffle=True)
    testloader = DataLoader(TensorDataset(normalize(test_images), test_labels), batch_size=256)
    print(f"digits: {len(train_labels)} training and {len(test_labels)} test images "
          f"{list(train_images.shape[1:])}")

    model = DigitNet().to(device)
    print(model)
    print(f"{sum(p.numel() for p in model.parameters())} parameters; BatchNorm buffers: "
          f"{[name for name, _ in model.named_buffers()][:3]}")
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = len(trainloader) if args.steps is None else min(args.steps,
                                                                      len(trainloader))
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                              steps_per_epoch=steps_per_epoch)

    times = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        running_loss, steps = 0.0, 0
        for images, labels in trainloader:
            if steps >= steps_per_epoch:
                break
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running_loss += loss.item()
            steps += 1
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch}: loss {running_loss / steps:.4f} ({steps} steps, "
              f"{times[-1]:.2f} s, lr {scheduler.get_last_lr()[0]:.5f}), "
              f"test accuracy {accuracy(model, testloader, device):.2f}%")

    if len(times) > 1:
        print(f"time per epoch: {times[0]:.2f} s first (with compilation), "
              f"{sum(times[1:]) / len(times[1:]):.2f} s after")
    print(f"test accuracy: {accuracy(model, testloader, device):.2f}%")


if __name__ == "__main__":
    main()
