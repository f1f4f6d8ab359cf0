"""Training with a validation split and early stopping; the best model is saved and reloaded.

The training images (scikit-learn's bundled digits in MNIST's format, 1,438 images) are split
with ``random_split`` into 80% for training and 20% for validation. After every epoch the
validation loss decides: when it improves, the model's ``state_dict()`` is written with
``torch.save``; when it has not improved for ``--patience`` epochs, training stops. The best
weights are then read back with ``torch.load`` and ``load_state_dict`` and measured once on the
359 test images, which played no part in any choice.

The model is an MLP 784-256-10 with ``nn.Dropout(0.2)`` (so ``model.train()`` and
``model.eval()`` matter), trained with ``optim.Adam(lr=1e-3)`` on batches of 64.

Run::

    python examples/07_validation_early_stopping.py
    python examples/07_validation_early_stopping.py --epochs 30 --patience 3 --steps 3 --seed 0 \\
        --device cpu --checkpoint best.pt

Without ``--checkpoint`` the file goes to a temporary folder that is removed at the end. With the
defaults, training stops after 20 epochs (the best at epoch 17) and the reloaded model scores
about 97% on the test images.
"""
import argparse
import os
import tempfile
import time

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad import transforms
from numbagrad.datasets import load_digits
from numbagrad.utils.data import DataLoader, TensorDataset, random_split


def make_model():
    """(N, 1, 28, 28) images → (N, 10) class scores."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 256),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(256, 10),
    )


def evaluate(model, loader, criterion, device):
    """Mean loss and accuracy (percent) over ``loader``, in evaluation mode."""
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            total_loss += criterion(outputs, labels).item() * labels.size(0)
            _, predicted = torch.max(outputs, 1)
            correct += (predicted == labels).sum().item()
            total += labels.size(0)
    return total_loss / total, 100 * correct / total


def train_epoch(model, loader, criterion, optimizer, device, max_steps):
    """One pass over ``loader`` (at most ``max_steps`` steps); returns the mean loss."""
    model.train()
    running_loss, steps = 0.0, 0
    for images, labels in loader:
        if max_steps is not None and steps >= max_steps:
            break
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        steps += 1
    return running_loss / steps


def fit(model, loaders, device, args, checkpoint):
    """Train until the validation loss stops improving; returns the best epoch and its loss."""
    trainloader, valloader = loaders
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    best_loss, best_epoch, waited = float("inf"), 0, 0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_loss = train_epoch(model, trainloader, criterion, optimizer, device, args.steps)
        val_loss, val_accuracy = evaluate(model, valloader, criterion, device)
        note = ""
        if val_loss < best_loss:
            best_loss, best_epoch, waited = val_loss, epoch, 0
            torch.save(model.state_dict(), checkpoint)
            note = "  saved"
        else:
            waited += 1
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f}  val loss {val_loss:.4f}  "
              f"val accuracy {val_accuracy:.2f}%  ({time.perf_counter() - start:.2f} s){note}")
        if waited >= args.patience:
            print(f"early stopping: no improvement for {args.patience} epochs")
            break
    return best_epoch, best_loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30, help="at most this many epochs")
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None, help="limit the steps in each epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--checkpoint", default=None, help="where to save the best model")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    normalize = transforms.Normalize((0.5,), (0.5,))
    images, labels = load_digits(train=True)
    test_images, test_labels = load_digits(train=False)
    full = TensorDataset(normalize(images), labels)
    train_set, val_set = random_split(full, [0.8, 0.2],
                                      generator=torch.Generator().manual_seed(args.seed))
    print(f"digits: {len(train_set)} training, {len(val_set)} validation and "
          f"{len(test_labels)} test images")
    loaders = (DataLoader(train_set, batch_size=args.batch_size, shuffle=True),
               DataLoader(val_set, batch_size=256))
    testloader = DataLoader(TensorDataset(normalize(test_images), test_labels), batch_size=256)

    with tempfile.TemporaryDirectory() as folder:
        checkpoint = args.checkpoint or os.path.join(folder, "best.pt")
        model = make_model().to(device)
        best_epoch, best_loss = fit(model, loaders, device, args, checkpoint)

        best = make_model().to(device)
        best.load_state_dict(torch.load(checkpoint, map_location=device))
        criterion = nn.CrossEntropyLoss()
        val_loss, _ = evaluate(best, loaders[1], criterion, device)
        print(f"reloaded the best model (epoch {best_epoch}) from "
              f"{checkpoint if args.checkpoint else 'a temporary file'}: val loss {val_loss:.4f}, "
              f"as when it was saved")
        _, test_accuracy = evaluate(best, testloader, criterion, device)
    print(f"test accuracy: {test_accuracy:.2f}%")


if __name__ == "__main__":
    main()
