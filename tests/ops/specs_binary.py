"""Specs of the binary ops and the rounding divisions (``numbagrad/ops/binary.py``,
``numbagrad/ops/division.py``) and of clamp with tensor bounds."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec
from tests.ops.specs_elementwise import _untie


def _off_multiples(arrays):
    """Keep ``|b| >= 0.5`` and ``a / b`` a quarter away from integers: the rounding divisions
    (fmod, remainder, floor and trunc quotients) jump there."""
    a, b = arrays
    b = np.where(np.abs(b) < 0.5, b + np.copysign(0.5, b), b)
    q = a / b
    frac = q - np.floor(q)
    bad = (frac < 0.25) | (frac > 0.75)
    if not bad.any():
        return [a, b]
    a = np.array(np.broadcast_to(a, q.shape))
    a[bad] = (np.floor(q[bad]) + 0.5) * np.broadcast_to(b, q.shape)[bad]
    return [a, b]


def _apart(arrays):
    """Keep x, lo and hi of clamp at least 0.05 apart from one another (its kinks)."""
    out = [np.array(a) for a in arrays]
    for i in range(1, len(out)):
        for j in range(i):
            x, y = np.broadcast_arrays(out[i], out[j])
            close = np.abs(x - y) < 0.05
            if close.any():
                out[i] = np.array(x)
                out[i][close] += 0.1 * (i + 1)
    return out


def _ints(t):
    """Integers -12..12 from the drawn floats (exact in float32 too)."""
    return (t * 4).long()


def _ref_ints(a):
    return np.trunc(a * 4).astype(np.int64)


SPECS = [
    Spec("atan2", ng.atan2, np.arctan2, 2, kinks=(0.0,), kink_gap=0.3),
    Spec("copysign", ng.copysign, np.copysign, 2, kinks=(0.0,), kink_gap=0.1),
    Spec("copysign_scalar", lambda a: a.copysign(-1.0), lambda a: np.copysign(a, -1.0),
         kinks=(0.0,), covers=("copysign",)),
    Spec("fmod", ng.fmod, np.fmod, 2, fix=_off_multiples),
    Spec("fmod_scalar", lambda a: ng.fmod(a, 1.25), lambda a: np.fmod(a, 1.25),
         kinks=(-2.5, -1.25, 0.0, 1.25, 2.5), kink_gap=0.1, covers=("fmod",)),
    Spec("remainder", ng.remainder, np.remainder, 2, fix=_off_multiples),
    Spec("remainder_operator", lambda a: a % 1.25, lambda a: np.remainder(a, 1.25),
         kinks=(-2.5, -1.25, 0.0, 1.25, 2.5), kink_gap=0.1, covers=("remainder",)),
    Spec("floor_divide", lambda a, b: a // b, np.floor_divide, 2, fix=_off_multiples,
         differentiable=False),
    Spec("div_trunc", lambda a, b: ng.div(a, b, rounding_mode="trunc"),
         lambda a, b: np.trunc(a / b), 2, fix=_off_multiples),
    Spec("div_floor", lambda a, b: ng.div(a, b, rounding_mode="floor"),
         lambda a, b: np.floor(a / b), 2, fix=_off_multiples),
    # Integer forms: integers from the drawn floats, divisors kept from zero.
    Spec("fmod_int", lambda a, b: ng.fmod(_ints(a), _ints(b)),
         lambda a, b: np.fmod(_ref_ints(a), _ref_ints(b)), 2, kinks=(0.0,), kink_gap=0.3,
         differentiable=False, covers=("fmod",)),
    Spec("remainder_int", lambda a, b: _ints(a) % _ints(b),
         lambda a, b: np.remainder(_ref_ints(a), _ref_ints(b)), 2, kinks=(0.0,), kink_gap=0.3,
         differentiable=False, covers=("remainder",)),
    Spec("floor_divide_int", lambda a, b: _ints(a) // _ints(b),
         lambda a, b: np.floor_divide(_ref_ints(a), _ref_ints(b)), 2, kinks=(0.0,),
         kink_gap=0.3, differentiable=False, covers=("floor_divide",)),
    Spec("div_trunc_int", lambda a, b: ng.div(_ints(a), _ints(b), rounding_mode="trunc"),
         lambda a, b: np.fix(_ref_ints(a) / _ref_ints(b)).astype(np.int64), 2, kinks=(0.0,),
         kink_gap=0.3, differentiable=False, covers=("div_trunc",)),
    Spec("div_floor_int", lambda a, b: ng.div(_ints(a), _ints(b), rounding_mode="floor"),
         lambda a, b: np.floor_divide(_ref_ints(a), _ref_ints(b)), 2, kinks=(0.0,),
         kink_gap=0.3, differentiable=False, covers=("div_floor",)),
    Spec("logaddexp", ng.logaddexp, np.logaddexp, 2, low=-6.0, high=6.0),
    Spec("logaddexp2", ng.logaddexp2, np.logaddexp2, 2, low=-6.0, high=6.0),
    Spec("hypot", ng.hypot, np.hypot, 2, kinks=(0.0,), kink_gap=0.3),
    Spec("xlogy", ng.xlogy, lambda a, b: a * np.log(b), 2, low=0.1, high=4.0),
    Spec("fmax", ng.fmax, np.fmax, 2, fix=_untie),
    Spec("fmin", ng.fmin, np.fmin, 2, fix=_untie),
    Spec("lerp", ng.lerp, lambda a, b, w: a + w * (b - a), 3, low=-2.0, high=2.0),
    Spec("lerp_scalar", lambda a, b: ng.lerp(a, b, 0.75), lambda a, b: a + 0.75 * (b - a), 2,
         covers=("lerp",)),
    Spec("addcmul", lambda x, a, b: ng.addcmul(x, a, b, value=0.5),
         lambda x, a, b: x + 0.5 * a * b, 3, covers=("add", "mul")),
    Spec("addcdiv", lambda x, a, b: ng.addcdiv(x, a, b, value=0.5),
         lambda x, a, b: x + 0.5 * a / b, 3, kinks=(0.0,), kink_gap=0.3,
         covers=("add", "mul", "div")),
    Spec("float_power", ng.float_power, np.power, 2, low=0.2, high=2.0,
         covers=("pow", "to_copy")),
    Spec("float_power_scalar", lambda a: ng.float_power(a, 3), lambda a: a ** 3,
         covers=("pow", "to_copy")),
    Spec("clamp_tensor", lambda x, lo, hi: ng.clamp(x, lo, hi),
         lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), 3, fix=_apart,
         covers=("clamp",)),
    Spec("clamp_min_tensor", lambda x, lo: ng.clamp(x, min=lo), np.maximum, 2, fix=_untie,
         covers=("clamp_min",)),
    Spec("clamp_max_tensor", lambda x, hi: x.clamp(max=hi), np.minimum, 2, fix=_untie,
         covers=("clamp_max",)),
]
