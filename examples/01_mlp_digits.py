"""A two-layer MLP learns handwritten digits, written with tensors and autograd only.

The PyTorch tutorials' first MNIST network (784-512-10, ReLU, cross-entropy, SGD with learning
rate 0.01 and momentum 0.9, batches of 64), trained on scikit-learn's bundled digits in MNIST's
format, so nothing is downloaded. The layers, the loss and the optimizer are written out by
hand, as ``nn.Linear``, ``nn.CrossEntropyLoss`` and ``optim.SGD`` compute them.

Run::

    python examples/01_mlp_digits.py
    python examples/01_mlp_digits.py --epochs 2 --steps 3 --seed 0 --batch-size 64 --device cpu

With the defaults it reaches about 94% test accuracy. The first epoch's time includes
compiling the kernels (or loading them from Numba's cache).
"""
import argparse
import math
import time

import numbagrad as torch
from numbagrad.datasets import load_digits


def linear_parameters(in_features, out_features, device):
    """A weight ``(out, in)`` and a bias ``(out,)`` drawn as ``nn.Linear`` draws them.

    ``nn.Linear`` uses Kaiming-uniform with ``a=sqrt(5)`` for the weight, which is
    ``U(-1/sqrt(in), 1/sqrt(in))``, and the same bound for the bias.
    """
    bound = 1.0 / math.sqrt(in_features)
    weight = torch.empty(out_features, in_features, device=device).uniform_(-bound, bound)
    bias = torch.empty(out_features, device=device).uniform_(-bound, bound)
    return weight.requires_grad_(), bias.requires_grad_()


def forward(params, x):
    """Logits ``(batch, 10)`` of images ``(batch, 1, 28, 28)``."""
    w1, b1, w2, b2 = params
    hidden = torch.relu(x.reshape(-1, 28 * 28) @ w1.t() + b1)
    return hidden @ w2.t() + b2


def cross_entropy(logits, labels):
    """Mean of ``-log softmax(logits)[label]``, as ``nn.CrossEntropyLoss``."""
    log_probs = torch.log_softmax(logits, dim=1)
    return -log_probs.gather(1, labels.unsqueeze(1)).mean()


def sgd_momentum_step(params, buffers, lr, momentum):
    """``buf = momentum * buf + grad; p -= lr * buf``, as ``optim.SGD`` (dampening 0)."""
    with torch.no_grad():
        for p, buf in zip(params, buffers):
            buf.mul_(momentum).add_(p.grad)
            p.sub_(lr * buf)
            p.grad.zero_()


def accuracy(params, images, labels, batch_size):
    """Share of ``images`` whose largest logit is at the right label, in percent."""
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = forward(params, images[start:start + batch_size])
            predicted = logits.argmax(dim=1)
            correct += (predicted == labels[start:start + batch_size]).sum().item()
    return 100.0 * correct / len(labels)


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
    train_images, train_labels = load_digits(train=True)
    test_images, test_labels = load_digits(train=False)
    # The tutorial's Normalize((0.5,), (0.5,)): pixels from [0, 1] to [-1, 1].
    train_images = ((train_images - 0.5) / 0.5).to(device)
    test_images = ((test_images - 0.5) / 0.5).to(device)
    train_labels, test_labels = train_labels.to(device), test_labels.to(device)
    print(f"digits: {len(train_labels)} training and {len(test_labels)} test images "
          f"{list(train_images.shape[1:])}, device {device}")

    params = [*linear_parameters(28 * 28, 512, device), *linear_parameters(512, 10, device)]
    buffers = [torch.zeros_like(p) for p in params]

    for epoch in range(1, args.epochs + 1):
        start_time = time.perf_counter()
        order = torch.randperm(len(train_labels), device=device)
        images, labels = train_images[order], train_labels[order]
        running_loss, steps = 0.0, 0
        for start in range(0, len(labels), args.batch_size):
            if args.steps is not None and steps >= args.steps:
                break
            x = images[start:start + args.batch_size]
            y = labels[start:start + args.batch_size]
            loss = cross_entropy(forward(params, x), y)
            loss.backward()
            sgd_momentum_step(params, buffers, args.lr, args.momentum)
            running_loss += loss.item()
            steps += 1
        seconds = time.perf_counter() - start_time
        print(f"epoch {epoch}: loss {running_loss / steps:.4f}  "
              f"({steps} steps, {seconds:.2f} s)")

    test_accuracy = accuracy(params, test_images, test_labels, 256)
    print(f"test accuracy: {test_accuracy:.2f}%")


if __name__ == "__main__":
    main()
