"""Generated tests for every op spec: forward against NumPy, gradients against finite
differences."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numbagrad as ng
from tests.ops.all_specs import SPECS
from tests.ops.strategies import op_inputs

DIFFERENTIABLE = [s for s in SPECS if s.differentiable]


def _tensors(arrays, requires_grad=False):
    return [ng.from_numpy(a).requires_grad_(requires_grad) if requires_grad else ng.from_numpy(a)
            for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_forward_matches_numpy(spec, dtype):
    @given(op_inputs(spec, dtype))
    def check(arrays):
        expected = np.asarray(spec.ref(*[a.astype(np.float64) for a in arrays]))
        result = spec.fn(*_tensors(arrays))
        got = np.asarray(result)
        assert got.shape == expected.shape
        if expected.dtype == np.bool_:
            np.testing.assert_array_equal(got, expected)
        elif dtype == np.float64:
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_allclose(got, expected, rtol=spec.rtol, atol=spec.atol)

    check()


def directional_check(fn, arrays, grad_inputs, eps, rng):
    """Compare <v, J u> from backward with central finite differences along a random ``u``.

    One scalar per check, whatever the sizes (HIPS autograd's check). Returns (analytic,
    numeric, scale).
    """
    tensors = [ng.from_numpy(a.copy()).requires_grad_(i in grad_inputs) for i, a in enumerate(arrays)]
    out = fn(*tensors)
    v = rng.standard_normal(out.shape)
    out.backward(ng.from_numpy(np.asarray(v)))
    us = [rng.standard_normal(a.shape) if i in grad_inputs else np.zeros(a.shape)
          for i, a in enumerate(arrays)]
    analytic = sum(float(np.sum(np.asarray(t.grad) * u)) for t, u in zip(tensors, us)
                   if t.grad is not None)

    def f(sign):
        shifted = [ng.from_numpy(np.asarray(a + sign * eps * u)) for a, u in zip(arrays, us)]
        with ng.no_grad():
            return float(np.sum(np.asarray(fn(*shifted)) * v))

    numeric = (f(1) - f(-1)) / (2 * eps)
    scale = max(1.0, abs(numeric), float(np.sum(np.abs(v))))
    return analytic, numeric, scale


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.name)
def test_gradient_matches_finite_differences(spec):
    grad_inputs = spec.grad_inputs if spec.grad_inputs is not None else tuple(range(spec.n_inputs))

    @given(op_inputs(spec, np.float64), st.integers(0, 2**32 - 1))
    def check(arrays, seed):
        analytic, numeric, scale = directional_check(
            spec.fn, arrays, grad_inputs, spec.fd_eps, np.random.default_rng(seed))
        assert abs(analytic - numeric) <= 1e-6 * scale, (analytic, numeric)

    check()
