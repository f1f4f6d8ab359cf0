"""Tools for testing your own ops: ``gradcheck``, ``assert_close`` and Hypothesis strategies.

The strategies need Hypothesis (``pip install hypothesis``); it is imported only when one of
them is called, so ``import numbagrad.testing`` works without it.

Examples
--------
>>> import numbagrad as torch
>>> from numbagrad.testing import gradcheck
>>> x = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
>>> gradcheck(torch.tanh, (x,))
True
"""
from __future__ import annotations

import numpy as np

from numbagrad.autograd.gradcheck import GradcheckError, gradcheck

__all__ = ["GradcheckError", "assert_close", "broadcastable_shapes", "gradcheck", "shapes",
           "tensors"]

# torch.testing.assert_close's default tolerances by dtype name: (rtol, atol).
_TOLERANCES = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def assert_close(actual, expected, *, rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_dtype: bool = True, msg: str | None = None) -> None:
    """Raise AssertionError unless ``|actual - expected| <= atol + rtol * |expected|`` everywhere.

    Parameters
    ----------
    actual, expected : Tensor, array or number
    rtol, atol : float, optional
        Both or neither; by default torch's for the dtype (float32: 1.3e-6, 1e-5; float64:
        1e-7, 1e-7; exact for integers and bool).
    equal_nan : bool
        Whether nan equals nan.
    check_dtype : bool
        Whether tensors must have the same dtype.
    msg : str, optional
        Replaces the default message.

    Raises
    ------
    AssertionError
        On a shape or dtype difference, or values too far apart (with the worst element).
    """
    from numbagrad.tensor import Tensor

    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(
            "Both 'rtol' and 'atol' must be either specified or omitted, but got no "
            f"{missing}."
        )
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: "
                                    f"{a.shape} != {e.shape}.")
    if (check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor)
            and actual.dtype is not expected.dtype):
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: "
                                    f"{actual.dtype} != {expected.dtype}.")
    if rtol is None:
        rtol, atol = _TOLERANCES.get(np.result_type(a, e).name, (0.0, 0.0))
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    diff = np.abs(a64 - e64)
    ok = diff <= atol + rtol * np.abs(e64)
    ok |= a64 == e64  # equal infinities
    if equal_nan:
        ok |= np.isnan(a64) & np.isnan(e64)
    if ok.all():
        return
    bad = int((~ok).sum())
    badness = np.where(ok, -np.inf, np.nan_to_num(diff, nan=np.inf))
    worst = np.unravel_index(int(np.argmax(badness)), a.shape)
    raise AssertionError(msg or (
        "Tensor-likes are not close!\n\n"
        f"Mismatched elements: {bad} / {a.size} ({100 * bad / a.size:.1f}%)\n"
        f"Greatest absolute difference: {float(diff[worst])} at index "
        f"{tuple(int(i) for i in worst)} (up to {atol} allowed)"
    ))


def shapes(*, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Hypothesis strategy: tensor shapes (tuples of ints)."""
    from hypothesis.extra import numpy as hnp

    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 4):
    """Hypothesis strategy: ``num_shapes`` shapes that broadcast together (a tuple of tuples)."""
    from hypothesis.extra import numpy as hnp

    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, max_side=max_side).map(
        lambda result: result.input_shapes)


def tensors(shape=None, *, dtype=None, low: float = -2.0, high: float = 2.0,
            requires_grad: bool = False, avoid: tuple = (), gap: float = 1e-3):
    """Hypothesis strategy: tensors with values in ``[low, high]``.

    Parameters
    ----------
    shape : tuple or strategy, optional
        A fixed shape or a strategy of shapes (default :func:`shapes`).
    dtype : dtype, optional
        Default float64, the dtype to gradcheck in.
    low, high : float
        The range of the values (finite).
    requires_grad : bool
        Whether the drawn tensors require grad.
    avoid : tuple of float
        Kinks to keep away from (relu at 0): values within ``gap`` are moved past it, so that
        finite differences do not straddle them.
    gap : float
        The distance kept from each kink.

    Examples
    --------
    >>> from hypothesis import given
    >>> from numbagrad.testing import gradcheck, tensors
    >>> @given(tensors(requires_grad=True, avoid=(0.0,)))
    ... def test_relu(x):
    ...     assert gradcheck(lambda t: t.relu(), (x,))
    """
    from hypothesis import strategies as st

    import numbagrad

    dtype = numbagrad.float64 if dtype is None else dtype
    shape_strategy = shapes() if shape is None else (
        shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape)))

    @st.composite
    def draw_tensor(draw):
        size = draw(shape_strategy)
        seed = draw(st.integers(0, 2**32 - 1))
        values = np.random.default_rng(seed).uniform(low, high, size)
        for k in avoid:
            near = np.abs(values - k) < gap
            values = np.where(near, k + np.where(values >= k, gap, -gap) * 1.5, values)
        t = numbagrad.tensor(values.astype(dtype.np_type))
        return t.requires_grad_() if requires_grad else t

    return draw_tensor()
