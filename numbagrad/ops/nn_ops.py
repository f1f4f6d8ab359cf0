"""Neural-network primitives: softmax and log-softmax (stable, along any dimension)."""
from __future__ import annotations


def softmax(input, dim: int, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    raise NotImplementedError("softmax")


def log_softmax(input, dim: int, dtype=None):
    """``x - logsumexp(x)`` along ``dim``."""
    raise NotImplementedError("log_softmax")
