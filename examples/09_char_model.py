"""A character-level language model: ``Embedding`` - ``GRU`` (or a causal
``TransformerEncoder``) - ``Linear``, trained to predict the next character, then sampled.

The text is the docstrings of a few standard-library modules, which ship with every Python:
nothing is downloaded. Each step takes a batch of random windows of ``--length`` characters;
the model reads characters 0..n-1 and is scored with ``nn.CrossEntropyLoss`` on characters
1..n. ``optim.AdamW`` with ``nn.utils.clip_grad_norm_`` trains it; ``--model transformer``
swaps the GRU for two ``TransformerEncoderLayer``s with a causal mask
(``nn.Transformer.generate_square_subsequent_mask``) and learned positions.

Run::

    python examples/09_char_model.py
    python examples/09_char_model.py --model transformer
    python examples/09_char_model.py --epochs 3 --steps 3 --seed 0 --length 64 --device cpu
"""
import argparse
import collections
import functools
import inspect
import itertools
import json
import math
import time

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim

_SOURCES = (collections, functools, inspect, itertools, json, math, argparse)


def corpus() -> str:
    """The modules' docstrings, joined: English prose with some code, about 40k characters."""
    parts = [inspect.getdoc(m) or "" for m in _SOURCES]
    for m in _SOURCES:
        parts += [inspect.getdoc(getattr(m, name)) or "" for name in sorted(dir(m))
                  if not name.startswith("_") and callable(getattr(m, name))][:40]
    return "\n\n".join(p for p in parts if p)


class CharGRU(nn.Module):
    """(N, T) character ids → (N, T, vocab) scores for the next character."""

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids):
        out, _ = self.rnn(self.embed(ids))
        return self.head(out)


class CharTransformer(nn.Module):
    """The same interface with a causal Transformer encoder and learned positions."""

    def __init__(self, vocab: int, length: int, d_model: int = 64, heads: int = 4):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(length, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=128, dropout=0.1,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.embed(ids) + self.position(torch.arange(n))
        mask = nn.Transformer.generate_square_subsequent_mask(n)
        return self.head(self.encoder(x, mask=mask, is_causal=True))


def sample(model, stoi, itos, start: str, length: int, window: int) -> str:
    """``length`` characters after ``start``, each drawn from the model's softmax."""
    model.eval()
    ids = [stoi[c] for c in start]
    with torch.no_grad():
        for _ in range(length):
            x = torch.tensor([ids[-window:]])
            probs = torch.softmax(model(x)[0, -1], dim=0)
            ids.append(torch.multinomial(probs, 1).item())
    return "".join(itos[i] for i in ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["gru", "transformer"], default="gru")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=100, help="steps in each epoch")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=64, help="characters per window")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    text = corpus()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    print(f"text: {len(text)} characters, {len(chars)} distinct")

    if args.model == "gru":
        model = CharGRU(len(chars)).to(device)
    else:
        model = CharTransformer(len(chars), args.length).to(device)
    print(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.AdamW(model.parameters(), lr=args.lr)

    times = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        total = 0.0
        for _ in range(args.steps):
            starts = torch.randint(0, len(data) - args.length - 1, (args.batch_size,))
            windows = torch.stack([data[s:s + args.length + 1] for s in starts.tolist()])
            inputs, targets = windows[:, :-1].to(device), windows[:, 1:].to(device)
            optimizer.zero_grad()
            scores = model(inputs)
            loss = criterion(scores.reshape(-1, len(chars)), targets.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch}: loss {total / args.steps:.4f} "
              f"(perplexity {math.exp(total / args.steps):.2f}, {args.steps} steps, "
              f"{times[-1]:.2f} s)")

    if len(times) > 1:
        print(f"time per epoch: {times[0]:.2f} s first (with compilation), "
              f"{sum(times[1:]) / len(times[1:]):.2f} s after")
    print("sample: " + repr(sample(model.cpu(), stoi, chars, "Return ", 80, args.length)))


if __name__ == "__main__":
    main()
