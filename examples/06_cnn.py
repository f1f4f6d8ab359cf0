"""A small convolutional network on the bundled handwritten digits.

``Conv2d(1, 8, 3, padding=1)`` - ReLU - ``MaxPool2d(2)`` - ``Flatten`` -
``Linear(8 * 14 * 14, 10)``, built with ``nn.Sequential``, trained with
``nn.CrossEntropyLoss`` and ``optim.SGD(lr=0.01, momentum=0.9)`` on batches of 64 from a
shuffling ``DataLoader``, then evaluated on the test images under ``torch.no_grad()``.

The images are scikit-learn's bundled digits in MNIST's format
(``numbagrad.datasets.load_digits``: 1,438 training and 359 test images of 1x28x28),
normalised to [-1, 1] as the tutorials normalise MNIST; nothing is downloaded.

Run::

    python examples/06_cnn.py
    python examples/06_cnn.py --epochs 5 --steps 3 --seed 0 --batch-size 64 --device cpu

With the defaults it reaches about 95% test accuracy in 5 epochs of about 2 seconds each.
The first epoch's time includes compiling the convolution kernels (or loading them from Numba's
cache).
"""
import argparse
import time

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad import transforms
from numbagrad.datasets import load_digits
from numbagrad.utils.data import DataLoader, TensorDataset


def make_model():
    """(N, 1, 28, 28) images → (N, 10) class scores."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),  # (N, 8, 28, 28)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 8, 14, 14)
        nn.Flatten(),  # (N, 1568)
        nn.Linear(8 * 14 * 14, 10),
    )


def accuracy(model, loader, device):
    """Percentage of images whose largest score is at the right class."""
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            _, predicted = torch.max(model(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="limit the steps in each epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
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

    model = make_model().to(device)
    print(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)

    times = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        running_loss, steps = 0.0, 0
        for images, labels in trainloader:
            if args.steps is not None and steps >= args.steps:
                break
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            steps += 1
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch}: loss {running_loss / steps:.4f} ({steps} steps, "
              f"{times[-1]:.2f} s), test accuracy {accuracy(model, testloader, device):.2f}%")

    if len(times) > 1:
        print(f"time per epoch: {times[0]:.2f} s first (with compilation), "
              f"{sum(times[1:]) / len(times[1:]):.2f} s after")
    print(f"test accuracy: {accuracy(model, testloader, device):.2f}%")


if __name__ == "__main__":
    main()
