"""Elementwise ops: forward alone, and forward with backward, from 1 to a million elements.

At 1 element the time is the Python overhead of an op (argument checks, dispatch, the graph
node); at 1e6 it is the kernel's memory traffic. ``setup`` runs every op once, so the timings
hold no compilation.
"""
import numbagrad as torch

SIZES = [1, 1000, 1_000_000]
# The arithmetic of every step, and one op of each formula family (unary math, binary math,
# activations), whose kernels come from the same loop templates.
_FORMS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "exp": lambda a, b: torch.exp(a),
    "sigmoid": lambda a, b: torch.sigmoid(a),
    "sin": lambda a, b: torch.sin(a),
    "atan2": lambda a, b: torch.atan2(a, b),
    "gelu": lambda a, b: torch.nn.functional.gelu(a),
}
OPS = list(_FORMS)


def _apply(op, a, b):
    return _FORMS[op](a, b)


class TimeElementwise:
    """``op(a, b)`` on float32 vectors of ``size`` elements."""

    params = (OPS, SIZES)
    param_names = ["op", "size"]

    def setup(self, op, size):
        generator = torch.Generator().manual_seed(0)
        self.a = torch.randn(size, generator=generator)
        self.b = torch.randn(size, generator=generator)
        self.a_grad = self.a.detach().requires_grad_()
        self.b_grad = self.b.detach().requires_grad_()
        self.grad_out = torch.ones(size)
        self.time_forward(op, size)
        self.time_forward_backward(op, size)

    def time_forward(self, op, size):
        _apply(op, self.a, self.b)

    def time_forward_backward(self, op, size):
        self.a_grad.grad = None
        self.b_grad.grad = None
        _apply(op, self.a_grad, self.b_grad).backward(self.grad_out)
