"""The random in-place tensor methods (``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ``cauchy_``, ``log_normal_``, ``geometric_``), drawing torch's CPU numbers.

torch's kernels visit a tensor's elements in memory order, so a non-contiguous tensor (a
transpose) gets its values in the order of its strides; :func:`_fill` does the same. A tensor on
a GPU is filled from the same host stream.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad import dtypes
from numbagrad.random import _normal_kernels, draw, kernels


def _memory_order(self) -> tuple:
    """The axes of ``self`` from the largest stride to the smallest (memory order)."""
    strides = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -abs(strides[d])))


def _fill(self, make) -> object:
    """Write ``make(shape, contiguous)`` into ``self``, the values laid out in memory order."""
    shape = tuple(self.shape)
    if self.is_contiguous():
        return _write(self, make(shape, True))
    order = _memory_order(self)
    values = make(tuple(shape[d] for d in order), False)
    return _write(self, np.transpose(values, np.argsort(order)))


def _write(self, values: np.ndarray) -> object:
    """``values`` (new host values) written into ``self``. On the CPU, values already of
    ``self``'s dtype are written as they are, without a NumPy copy first: the draw's kernel
    and the in-place write are then all a compiled step records."""
    from numbagrad._tensor_methods import _fill_random, _overwrite
    from numbagrad.tensor import Tensor

    if self._device.type == "cpu" and values.dtype == self._data.dtype:
        return _overwrite(self, Tensor._make(values, self._device))
    return _fill_random(self, values)


def _check_floating(self, op: str) -> None:
    if not self.dtype.is_floating_point:
        raise NotImplementedError(f'"{op}" not implemented for '
                                  f"'{dtypes.scalar_name(self.dtype)}'")


def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None):
    """Fill in place with samples of U(a, b).

    Raises
    ------
    RuntimeError
        If ``a > b``.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    _check_floating(self, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, _: draw.uniform(gen, shape, np_dtype, a, b))


def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
    """Fill in place with samples of N(mean, std**2).

    Raises
    ------
    RuntimeError
        If ``std < 0``.
    NotImplementedError
        For integer and bool tensors, as torch.
    """
    _check_floating(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, contiguous: draw.normal(gen, shape, np_dtype, mean, std,
                                                             contiguous))


def random_(self, from_=0, to=None, *, generator=None):
    """Fill in place with integers: ``random_()`` over [0, 2**mantissa] for floats and
    [0, max] for integers, ``random_(to)`` over [0, to), ``random_(from, to)`` over
    [from, to).

    Raises
    ------
    RuntimeError
        If ``from >= to``.
    """
    if to is None and from_ != 0:
        from_, to = 0, from_
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    if to is None:
        return _fill(self, lambda shape, _: draw.random_full(gen, shape, np_dtype))
    if from_ >= to:
        raise RuntimeError("random_ expects 'from' to be less than 'to', but got "
                           f"from={from_} >= to={to}")
    return _fill(self, lambda shape, _: draw.random_range(gen, shape, np_dtype, from_, to))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill in place with 0/1 samples, 1 with probability ``p`` (a number, or a tensor
    broadcast to ``self``).

    Raises
    ------
    RuntimeError
        For a probability outside [0, 1].
    """
    from numbagrad.tensor import Tensor

    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    if isinstance(p, Tensor):
        probs = p.detach().cpu().numpy()
        if np.any(~((probs >= 0) & (probs <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        return _fill(self, lambda shape, _: draw.bernoulli_tensor(
            gen, np.broadcast_to(probs, tuple(self.shape)).copy(), np_dtype))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(self, lambda shape, _: draw.bernoulli_scalar(gen, shape, np_dtype, p))


def exponential_(self, lambd: float = 1.0, *, generator=None):
    """Fill in place with samples of Exp(lambd).

    Raises
    ------
    RuntimeError
        If ``lambd <= 0``, or for a tensor that is not floating point.
    """
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{dtypes.scalar_name(self.dtype)}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, _: draw.exponential(gen, shape, np_dtype, lambd))


def _doubles(gen, shape, fill) -> np.ndarray:
    out = np.empty(math.prod(shape), dtype=np.float64)
    fill(out)
    return out.reshape(shape)


def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None):
    """Fill in place with Cauchy samples: ``median + sigma * tan(pi * (u - 0.5))``.

    Raises
    ------
    RuntimeError
        If ``sigma <= 0``.
    """
    _check_floating(self, "cauchy_cpu")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, _: draw.from_double(_doubles(
        gen, shape, lambda out: kernels.cauchy_float64(gen._engine, out, float(median),
                                                       float(sigma))), np_dtype))


def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None):
    """Fill in place with ``exp`` of N(mean, std**2) samples.

    Raises
    ------
    RuntimeError
        If ``std <= 0``.
    """
    _check_floating(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, _: draw.from_double(_doubles(
        gen, shape, lambda out: _normal_kernels.log_normal(
            gen._engine, gen._normal_double, out, float(mean), float(std))), np_dtype))


def geometric_(self, p: float, *, generator=None):
    """Fill in place with the number of Bernoulli(p) trials up to the first success.

    Raises
    ------
    RuntimeError
        Unless ``0 < p < 1``.
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    gen = draw.resolve(generator)
    np_dtype = self.dtype.np_type
    return _fill(self, lambda shape, _: draw.from_double(_doubles(
        gen, shape, lambda out: kernels.geometric(gen._engine, out, float(p))), np_dtype))
