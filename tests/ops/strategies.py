"""Hypothesis strategies for op inputs: shapes, values kept off kinks, non-contiguous layouts."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

LAYOUTS = ("contiguous", "transposed", "strided")


def shapes_for(draw, spec) -> list:
    """Input shapes for ``spec``: its own strategy, or (mutually broadcastable) random shapes."""
    if spec.shapes is not None:
        return spec.shapes(draw)
    if spec.n_inputs > 1 and spec.broadcast:
        result = draw(hnp.mutually_broadcastable_shapes(
            num_shapes=spec.n_inputs, min_dims=spec.min_dims, max_dims=spec.max_dims,
            min_side=0 if draw(st.integers(0, 9)) == 0 else 1, max_side=4))
        return list(result.input_shapes)
    shape = draw(hnp.array_shapes(min_dims=spec.min_dims, max_dims=spec.max_dims, min_side=1,
                                  max_side=5))
    return [shape] * spec.n_inputs


def _away_from_kinks(x: np.ndarray, kinks: tuple, gap: float) -> np.ndarray:
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.where(x >= k, gap, -gap) * 1.5, x)
    return x


def _layout(draw, values: np.ndarray) -> np.ndarray:
    """The same values, laid out contiguously, transposed or as a strided slice."""
    layout = draw(st.sampled_from(LAYOUTS))
    if layout == "transposed" and values.ndim >= 2:
        return np.ascontiguousarray(values.T).T
    if layout == "strided" and values.ndim >= 1:
        wide = np.zeros(values.shape[:-1] + (values.shape[-1] * 2,), values.dtype)
        wide[..., ::2] = values
        return wide[..., ::2]
    return values


@st.composite
def op_inputs(draw, spec, dtype=np.float64) -> list:
    """NumPy inputs for ``spec``, in ``dtype``, with random layouts."""
    arrays = []
    for shape in shapes_for(draw, spec):
        seed = draw(st.integers(0, 2**32 - 1))
        values = np.random.default_rng(seed).uniform(spec.low, spec.high, shape)
        values = _away_from_kinks(values, spec.kinks, spec.kink_gap)
        arrays.append(values)
    if spec.fix is not None:
        arrays = spec.fix(arrays)
    return [_layout(draw, a.astype(dtype)) for a in arrays]
