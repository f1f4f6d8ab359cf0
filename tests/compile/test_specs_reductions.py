"""Every differentiable spec of the reductions family (sums and means over dims, products,
max/min, scans, sorting, medians, norms, products of tensors and matrix multiplication) run
through a compiled step with inputs that change between calls, compared with eager mode bit for
bit (:func:`tests.compile.spec_steps.check_spec`); a spec with an op outside
``numbagrad/compile/covered.py`` must fall back with one warning naming it.
"""
import warnings

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn
from tests.compile.spec_steps import check_spec
from tests.ops import (specs_linalg, specs_median, specs_norm, specs_products, specs_reduce,
                       specs_scan, specs_sort, specs_statistics)

MODULES = (specs_reduce, specs_statistics, specs_scan, specs_sort, specs_median, specs_norm,
           specs_products, specs_linalg)
SPECS = [s for m in MODULES for s in m.SPECS if s.differentiable]

# Specs that cannot compile although their primitives are covered, with the text their fallback
# warning must contain. cdist's matrix-product form builds a tensor from host data inside the
# step, refused on purpose. The medians and mode compute positions and counts as integer
# tensors: where such a result is 0, written over memory that held zeros, the
# capture, which probes integer arrays with zeros only (a kernel may index with them), cannot
# see it written and refuses the step.
_HOST = "was computed outside the recorded calls"
_ZERO_INT = "that no recorded call computed"
EAGER = {
    "median": _ZERO_INT, "median_dim-1": _ZERO_INT, "median_dim0_keepdim": _ZERO_INT,
    "nanmedian_dim1": _ZERO_INT, "nanmedian": _ZERO_INT,
    "mode": _ZERO_INT, "mode_dim0_keepdim": _ZERO_INT, "cdist_mm": _HOST,
}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_compiled_equals_eager(spec):
    check_spec(spec, examples=1, eager_reason=EAGER.get(spec.name))


# Forms the drawn specs do not reach (their inputs are small and contiguous), each run through
# a compiled step on changing values and compared with eager mode bit for bit; each must
# compile. ``fn(*params)``, then the input arrays.
def _strided_sum(x):
    return x.permute(2, 0, 1).sum((0, 2))  # non-adjacent dims of a strided view: one copy


def _strided_prod(x):
    return x.t().prod(1)  # prod of a transposed view


def _strided_scan(x):
    return x.t().cumsum(1) + x.t().cummax(1).values


def _strided_batch(a, b):
    return a.transpose(1, 2) @ b[:, :, ::2]  # batched product of strided operands


def _strided_matrix(a, b):
    return a[:, ::2] @ b  # a matrix BLAS cannot read as it is


def _long_sum(x):
    return x.sum() + x.prod()  # one long row: reduced in parallel pieces, then combined


def _outer_parallel_max(x):
    return x.amax(1) + x.sum(1)  # many rows, over the parallel threshold


def _topk_large(x):
    return x.topk(65, 1).values  # k over the selection kernel's limit: a sort, then a copy


def _count(x):
    # Per-row counts, int64 sums of a mask: all 0 in the captured call (values rolled by one
    # position), 1 in other calls.
    return x * (x[:, :2] > 1.0).sum(1, keepdim=True)


_rng = np.random.default_rng(0)
FORMS = {
    "strided-sum": (_strided_sum, [_rng.standard_normal((3, 4, 5))]),
    "strided-prod": (_strided_prod, [_rng.uniform(0.5, 1.5, (4, 3))]),
    "strided-scan": (_strided_scan, [_rng.standard_normal((4, 3))]),
    "strided-batch": (_strided_batch, [_rng.standard_normal((2, 3, 4)),
                                       _rng.standard_normal((2, 3, 6))]),
    "strided-matrix": (_strided_matrix, [_rng.standard_normal((3, 8)),
                                         _rng.standard_normal((4, 2))]),
    # Factors near 1: a product near 1 (of order e^(+-1)), which neither overflows nor vanishes.
    "long-row-sum": (_long_sum, [_rng.uniform(0.999, 1.001, 1 << 20)]),
    "topk-large-k": (_topk_large, [_rng.standard_normal((2, 80))]),
    "zero-count": (_count, [np.array([[0.1, 5.0, 0.2], [0.3, 0.4, 0.5]])]),
    "parallel-rows": (_outer_parallel_max, [_rng.standard_normal((1 << 11, 1 << 9))]),
}


class _Params(nn.Module):
    def __init__(self, arrays):
        super().__init__()
        self.p = nn.ParameterList([nn.Parameter(ng.from_numpy(a.copy())) for a in arrays])


def _run(step, arrays, calls=5) -> list:
    """Outputs and gradients of ``calls`` calls, call ``k`` on the arrays rolled by ``k``
    positions (the same values, moved: each form's inputs are chosen for what they reach)."""
    m = _Params(arrays)
    results = []
    for call in range(calls):
        with ng.no_grad():
            for p, a in zip(m.p, arrays):
                p.data.numpy()[...] = np.roll(a.reshape(-1), call).reshape(a.shape)
        results.append(step(m).numpy().copy())
        results += [p.grad.numpy().copy() for p in m.p]
    return results


@pytest.mark.parametrize("name", FORMS)
def test_reduction_form_compiled_equals_eager(name):
    fn, arrays = FORMS[name]
    arrays = [a.astype(np.float32) for a in arrays]

    def step(m):
        m.zero_grad()
        out = fn(*m.p)
        out.sum().backward()
        return out.detach()

    eager = _run(step, arrays)
    compiled_step = ng.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = _run(compiled_step, arrays)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert compiled_step.sources and not texts, texts  # a fallback warns
    for x, y in zip(eager, compiled):
        np.testing.assert_array_equal(x, y)
