"""Reductions: sum, mean and max along a dim, forward alone and forward with backward.

Shapes are a classifier's logits (64x10), where the Python overhead of an op dominates, and a
1024x1024 matrix, where the kernel's memory traffic does. ``sum(dim=0)`` reduces across rows
(the outer axis), ``mean(dim=1)`` and ``max(dim=1)`` along the contiguous one. ``setup`` runs
every op once, so the timings hold no compilation.
"""
import numbagrad as torch

SHAPES = {"64x10": (64, 10), "1024x1024": (1024, 1024)}
OPS = ["sum", "sum(dim=0)", "mean", "mean(dim=1)", "max(dim=1)"]


def _apply(op, x):
    if op == "sum":
        return torch.sum(x)
    if op == "sum(dim=0)":
        return torch.sum(x, dim=0)
    if op == "mean":
        return torch.mean(x)
    if op == "mean(dim=1)":
        return torch.mean(x, dim=1)
    return torch.max(x, dim=1).values


class TimeReduce:
    """``op(x)`` on a float32 matrix of ``shape``."""

    params = (OPS, list(SHAPES))
    param_names = ["op", "shape"]

    def setup(self, op, shape):
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(*SHAPES[shape], generator=generator)
        self.x_grad = self.x.detach().requires_grad_()
        self.grad_out = torch.ones_like(_apply(op, self.x))
        self.time_forward(op, shape)
        self.time_forward_backward(op, shape)

    def time_forward(self, op, shape):
        _apply(op, self.x)

    def time_forward_backward(self, op, shape):
        self.x_grad.grad = None
        _apply(op, self.x_grad).backward(self.grad_out)
