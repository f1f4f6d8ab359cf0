"""The tutorials' MNIST network with ``nn.Module``, ``DataLoader`` and ``optim.SGD``.

A multilayer perceptron 784-512-10 with ReLU (``class Net(nn.Module)``, flattening each
image with ``x.view(-1, 28 * 28)``), ``nn.CrossEntropyLoss``, ``optim.SGD(lr=0.01,
momentum=0.9)`` and batches of 64 from a shuffling ``DataLoader``. After training, the
tutorial's evaluation loop counts ``torch.max(outputs, 1)`` predictions equal to the labels
under ``torch.no_grad()``.

Data: with ``--mnist-dir DIR``, the real MNIST IDX files in DIR (as torchvision stores them,
read by ``numbagrad.datasets.MNIST`` through ``transforms.Compose([transforms.ToTensor(),
transforms.Normalize((0.5,), (0.5,))])``; nothing is downloaded). Without it, scikit-learn's
bundled handwritten digits in MNIST's format (``numbagrad.datasets.load_digits``: 1,438
training and 359 test images of 28x28), normalised the same way.

Run::

    python examples/05_mnist_mlp.py
    python examples/05_mnist_mlp.py --epochs 5 --steps 3 --seed 0 --batch-size 64 --device cpu
    python examples/05_mnist_mlp.py --mnist-dir ./mnist_data --plot loss.png

``--plot`` draws the loss of every step with matplotlib, when it is installed. On the bundled
digits the defaults reach about 94% test accuracy in 5 epochs of under a second each; the first
epoch's time includes compiling the kernels (or loading them from Numba's cache).
"""
import argparse
import sys
import time

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad import datasets, transforms
from numbagrad.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)  # Flatten the input
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def load_data(mnist_dir, batch_size):
    """Training and test DataLoaders of images ``(B, 1, 28, 28)`` in [-1, 1] and labels."""
    # Define a transform to normalize the data
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.5,), (0.5,)),
    ])
    if mnist_dir is not None:
        trainset = datasets.MNIST(root=mnist_dir, train=True, transform=transform)
        testset = datasets.MNIST(root=mnist_dir, train=False, transform=transform)
        source = f"MNIST from {mnist_dir}"
    else:
        normalize = transforms.Normalize((0.5,), (0.5,))  # ToTensor's work is done: [0, 1] floats
        train_images, train_labels = datasets.load_digits(train=True)
        test_images, test_labels = datasets.load_digits(train=False)
        trainset = TensorDataset(normalize(train_images), train_labels)
        testset = TensorDataset(normalize(test_images), test_labels)
        source = "the bundled digits (pass --mnist-dir for MNIST)"
    print(f"data: {source}: {len(trainset)} training and {len(testset)} test images")
    trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=True)
    testloader = DataLoader(testset, batch_size=batch_size, shuffle=False)
    return trainloader, testloader


def progress(epoch, epochs, done, total, loss, seconds, final=False):
    """A one-line text progress bar, redrawn in place on a terminal."""
    width = 30
    filled = width * done // max(total, 1)
    line = (f"epoch {epoch}/{epochs} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"loss {loss:.4f} {seconds:.1f}s")
    if final:
        print(("\r" if sys.stdout.isatty() else "") + line, flush=True)
    elif sys.stdout.isatty():
        print("\r" + line, end="", flush=True)


def train_epoch(net, trainloader, criterion, optimizer, device, epoch, args):
    """One pass over the training data; returns the loss of every step."""
    net.train()
    start = time.perf_counter()
    total = len(trainloader) if args.steps is None else min(args.steps, len(trainloader))
    losses = []
    for inputs, labels in trainloader:
        if len(losses) == total:
            break
        inputs, labels = inputs.to(device), labels.to(device)
        # Zero the parameter gradients
        optimizer.zero_grad()
        # Forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        progress(epoch, args.epochs, len(losses), total, sum(losses) / len(losses),
                 time.perf_counter() - start)
    seconds = time.perf_counter() - start
    progress(epoch, args.epochs, len(losses), total, sum(losses) / len(losses), seconds, True)
    return losses, seconds


def evaluate(net, testloader, device):
    """The tutorial's loop: the share of test images whose largest output is the label."""
    correct = 0
    total = 0
    net.eval()
    with torch.no_grad():
        for inputs, labels in testloader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = net(inputs)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total


def plot_losses(losses, path):
    try:
        import matplotlib
    except ImportError:
        print(f"--plot {path}: matplotlib is not installed (pip install matplotlib); "
              "no plot drawn")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title("MNIST MLP 784-512-10, SGD lr 0.01 momentum 0.9")
    fig.tight_layout()
    fig.savefig(path)
    print(f"loss curve written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="limit the steps in each epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--mnist-dir", default=None, help="folder with MNIST's IDX files")
    parser.add_argument("--plot", default=None, metavar="PNG", help="draw the loss curve")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    trainloader, testloader = load_data(args.mnist_dir, args.batch_size)

    net = Net().to(device)
    print(net)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)

    all_losses, times = [], []
    for epoch in range(1, args.epochs + 1):  # loop over the dataset multiple times
        losses, seconds = train_epoch(net, trainloader, criterion, optimizer, device, epoch, args)
        all_losses.extend(losses)
        times.append(seconds)
        print(f"Epoch {epoch}, Loss: {sum(losses) / len(losses):.4f} ({len(losses)} steps, "
              f"{seconds:.2f} s)")

    if len(times) > 1:
        print(f"time per epoch: {times[0]:.2f} s first (with compilation), "
              f"{sum(times[1:]) / len(times[1:]):.2f} s after")
    print(f"test accuracy: {evaluate(net, testloader, device):.2f}%")
    if args.plot:
        plot_losses(all_losses, args.plot)


if __name__ == "__main__":
    main()
