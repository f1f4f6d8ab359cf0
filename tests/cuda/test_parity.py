"""Every op spec run on the GPU equals the CPU run: forward values and input gradients.

The specs are those of ``tests/ops`` (every registered primitive is covered by one). Inputs are
drawn as there, in float32 and float64, and moved to the GPU keeping a non-contiguous layout
(transposed) where they have one on the CPU.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbagrad as ng
from tests.ops.all_specs import SPECS
from tests.ops.strategies import op_inputs


def _gpu(a: np.ndarray, requires_grad: bool) -> ng.Tensor:
    """``a`` on the GPU; a non-contiguous ``a`` gives a (transposed) non-contiguous tensor."""
    if a.ndim >= 2 and not a.flags.c_contiguous:
        t = ng.from_numpy(np.ascontiguousarray(a.T)).cuda().T
    else:
        t = ng.from_numpy(a.copy()).cuda()
    return t.detach().requires_grad_(requires_grad)


def _close(gpu, cpu, dtype, spec) -> None:
    got = np.asarray(gpu.cpu())
    expected = np.asarray(cpu)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
    elif dtype == np.float64:
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(got, expected, rtol=max(spec.rtol, 1e-5),
                                   atol=max(spec.atol, 1e-5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_gpu_matches_cpu(spec, dtype):
    grad_inputs = (() if not spec.differentiable else
                   spec.grad_inputs if spec.grad_inputs is not None else range(spec.n_inputs))

    @settings(max_examples=3)
    @given(op_inputs(spec, dtype), st.integers(0, 2**32 - 1))
    def check(arrays, seed):
        cpu_in = [ng.from_numpy(a.copy()).requires_grad_(i in grad_inputs)
                  for i, a in enumerate(arrays)]
        gpu_in = [_gpu(a, i in grad_inputs) for i, a in enumerate(arrays)]
        cpu_out, gpu_out = spec.fn(*cpu_in), spec.fn(*gpu_in)
        assert gpu_out.device.type == "cuda"
        _close(gpu_out, cpu_out, dtype, spec)
        if not grad_inputs or not cpu_out.requires_grad:
            return
        v = np.random.default_rng(seed).standard_normal(tuple(cpu_out.shape)).astype(dtype)
        cpu_out.backward(ng.from_numpy(v))
        gpu_out.backward(ng.from_numpy(v).cuda())
        for c, g in zip(cpu_in, gpu_in):
            if c.grad is None:
                assert g.grad is None
                continue
            assert g.grad.device.type == "cuda"
            _close(g.grad, c.grad, dtype, spec)

    check()
