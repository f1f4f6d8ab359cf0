"""Specs of the activation ops (``numbagrad/ops/activation.py``).

References are written from the definitions with NumPy/SciPy, independently of the formulas'
stable rewrites. Kinks (piecewise ends, thresholds) are kept away from the inputs.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

import numbagrad as ng
import numbagrad.nn.functional as F
from tests.ops.spec import Spec

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    return special.expit(x)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _softplus(x, beta, threshold):
    return np.where(x * beta > threshold, x, np.logaddexp(0, x * beta) / beta)


def _hardsigmoid(x):
    return np.clip(x + 3, 0, 6) / 6


def _glu(x):
    a, b = np.split(x, 2, axis=-1)
    return a * _sigmoid(b)


def _softmin(x, axis):
    e = np.exp(-x - np.max(-x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _prelu(x, w):
    return np.where(x > 0, x, w.reshape((-1,) + (1,) * (x.ndim - 2)) * x)


def _even_last(draw):
    """One shape whose last size is even (glu halves it)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    return [shape[:-1] + (2 * shape[-1],)]


def _channels(draw):
    """An input (N, C, *) and a weight (C,) for prelu."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    rest = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    return [(n, c) + rest, (c,)]


def _one_slope(draw):
    """An input of any rank and a one-element weight (one slope shared by every channel)."""
    return [draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)), (1,)]


SPECS = [
    Spec("gelu", F.gelu, lambda x: x * 0.5 * (1 + special.erf(x / math.sqrt(2)))),
    Spec("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh),
    Spec("silu", F.silu, lambda x: x * _sigmoid(x), low=-10.0, high=10.0),
    Spec("mish", F.mish, lambda x: x * np.tanh(np.logaddexp(0, x)), low=-10.0, high=10.0),
    Spec("elu", lambda x: F.elu(x, 0.7), lambda x: _elu(x, 0.7), kinks=(0.0,)),
    Spec("celu", lambda x: ng.celu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(
        np.minimum(x, 0) / 1.5)), kinks=(0.0,)),
    Spec("selu", ng.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA), kinks=(0.0,)),
    Spec("softplus", F.softplus, lambda x: _softplus(x, 1.0, 20.0), low=-20.0, high=20.0),
    Spec("softplus_beta_threshold", lambda x: F.softplus(x, 2.0, 3.0),
         lambda x: _softplus(x, 2.0, 3.0), kinks=(1.5,), covers=("softplus",)),
    Spec("logsigmoid", F.logsigmoid, lambda x: -np.logaddexp(0, -x), low=-30.0, high=30.0),
    Spec("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), kinks=(0.0,),
         covers=("div", "add", "abs")),
    Spec("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x), covers=("sub", "tanh")),
    Spec("hardtanh", lambda x: F.hardtanh(x, -1.0, 2.0), lambda x: np.clip(x, -1.0, 2.0),
         kinks=(-1.0, 2.0)),
    Spec("relu6", F.relu6, lambda x: np.clip(x, 0, 6), low=-2.0, high=8.0, kinks=(0.0, 6.0),
         covers=("hardtanh",)),
    Spec("hardsigmoid", F.hardsigmoid, _hardsigmoid, low=-5.0, high=5.0, kinks=(-3.0, 3.0)),
    Spec("hardswish", F.hardswish, lambda x: x * _hardsigmoid(x), low=-5.0, high=5.0,
         kinks=(-3.0, 3.0)),
    Spec("hardshrink", ng.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0),
         kinks=(-0.5, 0.5)),
    Spec("softshrink", lambda x: F.softshrink(x, 0.7),
         lambda x: np.where(x > 0.7, x - 0.7, np.where(x < -0.7, x + 0.7, 0)),
         kinks=(-0.7, 0.7)),
    Spec("threshold", lambda x: ng.threshold(x, 0.5, -2.0), lambda x: np.where(x > 0.5, x, -2.0),
         kinks=(0.5,)),
    Spec("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3), lambda x: np.where(x > 0, x, 0.2 * x),
         kinks=(0.0,), covers=("leaky_relu",)),
    Spec("prelu", ng.prelu, _prelu, 2, kinks=(0.0,), shapes=_channels),
    Spec("prelu_shared", F.prelu, lambda x, w: np.where(x > 0, x, w.reshape(()) * x), 2,
         kinks=(0.0,), shapes=_one_slope, covers=("prelu",)),
    Spec("glu", F.glu, _glu, shapes=_even_last, covers=("mul", "sigmoid")),
    Spec("softmin", lambda x: F.softmin(x, -1), lambda x: _softmin(x, -1), min_dims=1,
         covers=("neg", "softmax")),
]
