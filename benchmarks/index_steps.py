"""Training steps whose ops read index tensors, eager and compiled (numbagrad.compile), and
torch eager, side by side in one process.

Run from the repository root::

    python benchmarks/index_steps.py                  # every workload, about a minute
    python benchmarks/index_steps.py --only embbag --rounds 11

The workloads: the text classifier of torch's tutorial (``nn.EmbeddingBag`` averaging each
text's token vectors, then a Linear layer; 1-D token ids with offsets that change with every
batch), the same lookup written with ``index_select``, and a CTC loss over a Linear layer
(padded targets and lengths that change with every batch). Each compiled step is checked to
give eager mode's losses bit for bit, then the three are timed in alternating rounds over the
same batches (torch's model has its own random start: only its time is compared): medians in
µs per step, and ratios.
Importing this module does nothing (asv imports every module in this folder).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np

ROUND_SECONDS = 0.1
VOCAB, DIM, CLASSES, BAGS, TOKENS = 2000, 64, 4, 16, 256
T, N, FEATURES, LABELS, S = 30, 8, 20, 8, 6


def _text_batches(rng, count):
    """Token ids, offsets (texts of varying length) and labels, ``count`` batches."""
    out = []
    for _ in range(count):
        cuts = np.sort(rng.choice(np.arange(1, TOKENS), BAGS - 1, replace=False))
        out.append((rng.integers(0, VOCAB, TOKENS), np.concatenate([[0], cuts]),
                    rng.integers(0, CLASSES, BAGS)))
    return out


def _ctc_batches(rng, count):
    """Features, padded targets, input and target lengths, ``count`` batches."""
    return [(rng.standard_normal((T, N, FEATURES)).astype(np.float32),
             rng.integers(1, LABELS, (N, S)), rng.integers(T - 5, T + 1, N),
             rng.integers(1, S + 1, N)) for _ in range(count)]


def _embbag(lib, select):
    """The tutorial's text classifier (``select``: the lookup written with index_select)."""
    class TextClassifier(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = lib.nn.EmbeddingBag(VOCAB, DIM, mode="mean")
            self.fc = lib.nn.Linear(DIM, CLASSES)

        def forward(self, text, offsets):
            if select:  # fixed-length texts: the mean of each row of TOKENS // BAGS tokens
                rows = self.embedding.weight.index_select(0, text)
                return self.fc(rows.reshape(BAGS, TOKENS // BAGS, DIM).mean(1))
            return self.fc(self.embedding(text, offsets))

    lib.manual_seed(0)
    model = TextClassifier()
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    criterion = lib.nn.CrossEntropyLoss()

    def step(text, offsets, label):
        opt.zero_grad()
        loss = criterion(model(text, offsets), label)
        loss.backward()
        opt.step()
        return loss.detach()

    return model, step


def _ctc(lib):
    lib.manual_seed(0)
    model = lib.nn.Linear(FEATURES, LABELS)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step(x, targets, input_lengths, target_lengths):
        opt.zero_grad()
        log_probs = model(x).log_softmax(2)
        loss = lib.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths)
        loss.backward()
        opt.step()
        return loss.detach()

    return model, step


WORKLOADS = {
    "embbag": ("EmbeddingBag(2000, 64, mean) + Linear, 16 texts of 256 tokens, CE, SGD",
               lambda lib: _embbag(lib, False), _text_batches),
    "select": ("index_select lookup (2000, 64) + mean + Linear, 16x16 tokens, CE, SGD",
               lambda lib: _embbag(lib, True), _text_batches),
    "ctc": ("Linear(20, 8) + log_softmax + ctc_loss, T 30, batch 8, targets 6, SGD mom.",
            _ctc, _ctc_batches),
}


def _tensors(lib, batch):
    return tuple(lib.from_numpy(np.ascontiguousarray(a)) for a in batch)


def compare(numbagrad, torch, name, rounds):
    """Medians in µs per step: numbagrad eager, compiled, torch eager; and whether the
    compiled step gave eager mode's losses."""
    title, build, batches = WORKLOADS[name]
    data = batches(np.random.default_rng(0), 8)
    _, eager = build(numbagrad)
    _, compiled_fn = build(numbagrad)
    compiled = numbagrad.compile(compiled_fn)
    ng_batches = [_tensors(numbagrad, b) for b in data]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback would time eager mode twice
        same = all(eager(*b).item() == compiled(*b).item() for b in ng_batches)
    steps = {"eager": (eager, ng_batches), "compiled": (compiled, ng_batches)}
    if torch is not None:
        _, torch_step = build(torch)
        steps["torch"] = (torch_step, [_tensors(torch, b) for b in data])
    times = {key: [] for key in steps}
    for _ in range(rounds):
        for key, (fn, bs) in steps.items():
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < ROUND_SECONDS:
                for b in bs:
                    fn(*b)
                count += len(bs)
            times[key].append((time.perf_counter() - start) / count * 1e6)
    return title, {key: statistics.median(v) for key, v in times.items()}, same


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS), help="workloads to run")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (median)")
    args = parser.parse_args(argv)
    import numbagrad
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    print(f"numbagrad {numbagrad.__version__}, torch {getattr(torch, '__version__', '-')}, "
          f"{args.rounds} alternating rounds of {ROUND_SECONDS} s; µs per step (median)")
    print("| workload | compiled | eager | torch eager | eager/compiled | torch/compiled "
          "| compiled = eager |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in args.only:
        title, t, same = compare(numbagrad, torch, name, args.rounds)
        tt = t.get("torch", float("nan"))
        print(f"| {title} | {t['compiled']:.1f} | {t['eager']:.1f} | {tt:.1f} | "
              f"{t['eager'] / t['compiled']:.2f} | {tt / t['compiled']:.2f} | "
              f"{'bit for bit' if same else 'DIFFERENT'} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
