"""Every op spec whose ops all have a compiled form, run through a compiled step (forward,
``sum()``, backward) and compared with eager mode bit for bit; an op spec outside that set
falls back cleanly (eager's numbers, one warning naming the op).

Random shapes and layouts come from the specs' own strategies: an example the capture cannot
take (a reduction over non-adjacent dims, which transposes in NumPy, say) must fall back with
one warning and eager's numbers; each spec must compile at least one of its examples.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import numbagrad as ng
from numbagrad import nn
from numbagrad.compile.capture import COVERED
from tests.ops.all_specs import SPECS
from tests.ops.strategies import op_inputs

# One spec or two per captured op (nll_loss: its spec makes its targets inside the step, from
# host data, which is not captured; tests/compile/test_coverage.py runs it). "add" runs after
# the spec of ``a * a`` in tests/compile/test_guards.py: two kernels of one factory, linked
# into one step, once shared a symbol name there (see backends/cpu/_jit.py, _closure_text).
NAMES = ("add", "sub", "mul", "neg", "exp", "relu", "sigmoid", "tanh", "sum", "sum_dim0",
         "mean", "mean_dim-1", "mm", "matmul_2d", "linear", "softmax", "log_softmax", "conv2d",
         "max_pool2d", "cross_entropy_mean", "cross_entropy_sum",
         "mse_loss_mean")
COMPILED = [s for s in SPECS if s.name in NAMES]


class _Inputs(nn.Module):
    def __init__(self, arrays):
        super().__init__()
        self.p = nn.ParameterList([nn.Parameter(ng.from_numpy(a.copy())) for a in arrays])


def _step(spec):
    def step(m):
        m.zero_grad()
        out = spec.fn(*m.p)
        out.sum().backward()
        return out.detach()  # an output that requires grad would make the call eager

    return step


def _run(step, arrays, calls=4):
    m = _Inputs(arrays)
    outs = [step(m).detach().numpy().copy() for _ in range(calls)]
    return outs, [None if p.grad is None else p.grad.numpy().copy() for p in m.p]


def _same(a, b):
    for x, y in zip(a[0], b[0]):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a[1], b[1]):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y)


def test_specs_are_selected():
    assert {s.name for s in COMPILED} == set(NAMES)
    assert all(s.differentiable and set(s.covers or (s.name,)) <= COVERED for s in COMPILED)


@pytest.mark.parametrize("spec", COMPILED, ids=lambda s: s.name)
def test_compiled_spec_equals_eager(spec):
    compiled_examples = []

    @settings(max_examples=2)
    @given(op_inputs(spec, np.float32))
    def check(arrays):
        eager = _run(_step(spec), arrays)
        compiled_step = ng.compile(_step(spec))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = _run(compiled_step, arrays)
        _same(eager, compiled)
        texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        if compiled_step.sources:
            assert not texts
            compiled_examples.append(1)
        else:
            assert len(texts) == 1, texts

    check()
    assert compiled_examples, f"no example of {spec.name} was compiled"


UNCOVERED = [s for s in SPECS if s.differentiable and s.name in ("cumsum", "prod", "sort")]


@pytest.mark.parametrize("spec", UNCOVERED, ids=lambda s: s.name)
def test_uncovered_spec_falls_back(spec):
    @settings(max_examples=1)
    @given(op_inputs(spec, np.float32))
    def check(arrays):
        eager = _run(_step(spec), arrays)
        compiled_step = ng.compile(_step(spec))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = _run(compiled_step, arrays)
        _same(eager, compiled)
        texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        assert len(texts) == 1 and f"op '{spec.covers[0] if spec.covers else spec.name}'" \
            in texts[0], texts
        assert not compiled_step.sources

    check()
