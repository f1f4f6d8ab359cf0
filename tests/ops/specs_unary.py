"""Specs of the unary ops (``numbagrad/ops/unary.py``).

References are NumPy's and SciPy's. Inputs stay inside each function's domain and away from its
poles; rounding functions keep their inputs off the jumps, where finite differences see a step.
"""
import numpy as np
from scipy import special

import numbagrad as ng
from tests.ops.spec import Spec

_INTEGERS = tuple(float(k) for k in range(-3, 4))
_HALVES = tuple(k + 0.5 for k in range(-4, 4))


def _off_hundredth_ties(arrays):
    """Inputs whose x * 100 lies near a tie (k + 0.5) moved off it: float32 and float64 scale x
    differently there, and round(x, decimals=2) may then round either way."""
    (x,) = arrays
    near = np.abs((x * 100) % 1 - 0.5) < 0.05
    return [np.where(near, x + 0.002, x)]


def _nan_to_num_ref(x):
    return np.where(x > 0, np.log(np.abs(x) + (x == 0)), 0.5)


SPECS = [
    Spec("sin", ng.sin, np.sin),
    Spec("cos", ng.cos, np.cos),
    Spec("tan", ng.tan, np.tan, low=-1.4, high=1.4),
    Spec("asin", ng.asin, np.arcsin, low=-0.95, high=0.95),
    Spec("acos", ng.acos, np.arccos, low=-0.95, high=0.95),
    Spec("atan", ng.atan, np.arctan),
    Spec("sinh", ng.sinh, np.sinh),
    Spec("cosh", ng.cosh, np.cosh),
    Spec("asinh", ng.asinh, np.arcsinh),
    Spec("acosh", ng.acosh, np.arccosh, low=1.1, high=4.0),
    Spec("atanh", ng.atanh, np.arctanh, low=-0.9, high=0.9),
    Spec("exp2", ng.exp2, np.exp2),
    Spec("expm1", ng.expm1, np.expm1),
    Spec("log2", ng.log2, np.log2, low=0.1, high=4.0),
    Spec("log10", ng.log10, np.log10, low=0.1, high=4.0),
    Spec("log1p", ng.log1p, np.log1p, low=-0.9, high=3.0),
    Spec("rsqrt", ng.rsqrt, lambda x: 1 / np.sqrt(x), low=0.1, high=4.0),
    Spec("reciprocal", ng.reciprocal, np.reciprocal, kinks=(0.0,), kink_gap=0.3),
    Spec("floor", ng.floor, np.floor, kinks=_INTEGERS),
    Spec("ceil", ng.ceil, np.ceil, kinks=_INTEGERS),
    Spec("trunc", ng.trunc, np.trunc, kinks=_INTEGERS),
    Spec("round", ng.round, np.round, kinks=_HALVES),
    Spec("round_decimals", lambda x: ng.round(x, decimals=2), lambda x: np.round(x * 100) / 100,
         fix=_off_hundredth_ties),
    Spec("frac", ng.frac, lambda x: x - np.trunc(x), kinks=_INTEGERS),
    Spec("erf", ng.erf, special.erf),
    Spec("erfc", ng.erfc, special.erfc),
    Spec("erfinv", ng.erfinv, special.erfinv, low=-0.95, high=0.95),
    Spec("i0", ng.i0, special.i0),
    Spec("logit", ng.logit, special.logit, low=0.05, high=0.95),
    Spec("logit_eps", lambda x: ng.logit(x, eps=0.2), lambda x: special.logit(np.clip(x, 0.2, 0.8)),
         low=0.0, high=1.0, kinks=(0.2, 0.8), covers=("logit",)),
    # log makes nan from the negative inputs: nan_to_num replaces them, and their gradient is 0.
    Spec("nan_to_num", lambda x: ng.nan_to_num(ng.log(x), nan=0.5), _nan_to_num_ref,
         kinks=(0.0,), kink_gap=0.3, covers=("nan_to_num", "log")),
    Spec("deg2rad", ng.deg2rad, np.deg2rad, low=-360.0, high=360.0, covers=("mul",)),
    Spec("rad2deg", ng.rad2deg, np.rad2deg, covers=("mul",)),
    Spec("signbit", ng.signbit, np.signbit, differentiable=False),
]
