"""Specs of the elementwise ops (``numbagrad/ops/elementwise.py``)."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _untie(arrays):
    """Move ``b`` away from ``a`` where they (nearly) tie: max/min are not differentiable there."""
    a, b = arrays
    a_b = np.broadcast_arrays(a, b)
    close = np.abs(a_b[0] - a_b[1]) < 1e-2
    if not close.any():
        return arrays
    b = np.array(np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)))
    b[close] += 0.5
    return [np.array(np.broadcast_to(a, b.shape)), b] if a.shape != b.shape else [a, b]


SPECS = [
    # elementwise, binary
    Spec("add", lambda a, b: a + b, np.add, 2),
    Spec("add_alpha", lambda a, b: ng.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, 2,
         covers=("add", "mul")),
    Spec("sub", lambda a, b: a - b, np.subtract, 2),
    Spec("rsub_scalar", lambda a: 2.0 - a, lambda a: 2.0 - a, 1, covers=("sub",)),
    Spec("mul", lambda a, b: a * b, np.multiply, 2),
    Spec("div", lambda a, b: a / b, np.divide, 2, kinks=(0.0,), kink_gap=0.3),
    Spec("pow", lambda a, b: a ** b, np.power, 2, low=0.2, high=2.0),
    Spec("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, 1, covers=("pow",)),
    Spec("rpow_scalar", lambda a: 2.0 ** a, lambda a: 2.0 ** a, 1, covers=("pow",)),
    Spec("maximum", ng.maximum, np.maximum, 2, fix=_untie),
    Spec("minimum", ng.minimum, np.minimum, 2, fix=_untie),
    Spec("clamp", lambda x: ng.clamp(x, -1.0, 0.5), lambda x: np.clip(x, -1.0, 0.5), 1,
         kinks=(-1.0, 0.5), covers=("clamp_min", "clamp_max")),
    Spec("clamp_min_only", lambda x: x.clamp(min=0.25), lambda x: np.maximum(x, 0.25), 1,
         kinks=(0.25,), covers=("clamp_min",)),
    Spec("leaky_relu", lambda x: ng.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x), 1,
         kinks=(0.0,)),
    Spec("where", lambda a, b: ng.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b), 2,
         kinks=(0.0,)),
    # elementwise, unary
    Spec("neg", lambda x: -x, np.negative),
    Spec("exp", ng.exp, np.exp),
    Spec("log", ng.log, np.log, low=0.1, high=4.0),
    Spec("sqrt", ng.sqrt, np.sqrt, low=0.1, high=4.0),
    Spec("abs", ng.abs, np.abs, kinks=(0.0,)),
    Spec("sign", ng.sign, np.sign, kinks=(0.0,)),
    Spec("relu", ng.relu, lambda x: np.maximum(x, 0), kinks=(0.0,)),
    Spec("sigmoid", ng.sigmoid, _sigmoid, low=-8, high=8),
    Spec("tanh", ng.tanh, np.tanh),
    Spec("square", ng.square, np.square, covers=("mul",)),
    # Rounding through float32 is linear up to 1e-7: a wide finite-difference step sees the slope.
    Spec("to_copy", lambda x: x.float().double(),
         lambda x: x.astype(np.float32).astype(np.float64), fd_eps=1.0),
    # comparisons (no gradient)
    Spec("eq", lambda a, b: a == b, np.equal, 2, differentiable=False),
    Spec("ne", lambda a, b: a != b, np.not_equal, 2, differentiable=False),
    Spec("lt", lambda a, b: a < b, np.less, 2, differentiable=False),
    Spec("le", lambda a, b: a <= b, np.less_equal, 2, differentiable=False),
    Spec("gt", lambda a, b: a > b, np.greater, 2, differentiable=False),
    Spec("ge", lambda a, b: a >= b, np.greater_equal, 2, differentiable=False),
    Spec("logical_not", lambda a: ng.logical_not(a > 0), lambda a: ~(a > 0),
         differentiable=False, covers=("logical_not", "gt")),
]
