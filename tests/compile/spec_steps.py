"""Running an op spec through a compiled step and through eager mode, side by side.

The step is ``zero_grad(); out = spec.fn(*params); out.sum().backward()``, over parameters made
from the spec's drawn inputs. Between calls the parameters' values change in place (each call
sees its inputs' values rolled by one more position, so they stay in the spec's range): a
compiled step that replayed a value computed in Python from an earlier call's data would give
other numbers than eager mode, and the comparison fails.

Used by the ``test_specs_<family>.py`` files, one per op family, which together run every
differentiable spec of ``tests/ops`` through a compiled step.
"""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings

import numbagrad as ng
from numbagrad import nn
from numbagrad.compile.covered import COVERED
from tests.ops.strategies import op_inputs

CALLS = 5  # eager warm-up, capture, then three compiled calls on changed values


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


def _values(arrays, call: int) -> list:
    """The inputs of call ``call``: each array's values rolled by ``call`` positions."""
    return [np.roll(a.reshape(-1), call).reshape(a.shape) for a in arrays]


def _run(step, arrays) -> tuple:
    m = _Inputs(arrays)
    outs, grads = [], []
    for call in range(CALLS):
        with ng.no_grad():
            for p, v in zip(m.p, _values(arrays, call)):
                p.data.numpy()[...] = v
        outs.append(step(m).numpy().copy())
        grads.append([None if p.grad is None else p.grad.numpy().copy() for p in m.p])
    return outs, grads


def _same(eager, compiled) -> None:
    for x, y in zip(eager[0], compiled[0]):
        np.testing.assert_array_equal(x, y)
    for gx, gy in zip(eager[1], compiled[1]):
        for x, y in zip(gx, gy):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(x, y)


def covered(spec) -> bool:
    """Whether every primitive ``spec`` exercises has a compiled form."""
    return set(spec.covers or (spec.name,)) <= COVERED


def compiled_equals_eager(spec, arrays) -> tuple:
    """Run ``spec`` on ``arrays`` eagerly and compiled; assert equal bits. Returns
    ``(compiled, warning texts)``: a compiled step warned nothing; a fallback exactly once."""
    eager = _run(_step(spec), arrays)
    compiled_step = ng.compile(_step(spec))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = _run(compiled_step, arrays)
    _same(eager, compiled)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if compiled_step.sources:
        assert not texts, texts
        return True, texts
    assert len(texts) == 1, texts
    return False, texts


def check_spec(spec, examples: int = 1, eager_reason: str | None = None) -> None:
    """Run ``spec`` through a compiled step on ``examples`` drawn inputs (float32).

    A spec whose primitives are all covered must compile at least one example, unless
    ``eager_reason`` (the text its fallback warning must contain) says why it cannot: a spec
    that builds a tensor from host data inside the step, say. A spec with an uncovered
    primitive must fall back, naming an op.
    """
    results = []

    @settings(max_examples=examples)
    @given(op_inputs(spec, np.float32))
    def check(arrays):
        compiled, texts = compiled_equals_eager(spec, arrays)
        results.append(compiled)
        if not compiled:
            if covered(spec) and eager_reason is not None:
                assert any(eager_reason in t for t in texts), texts
            elif not covered(spec):
                assert any("has no compiled form yet" in t for t in texts), texts

    check()
    if covered(spec) and eager_reason is None:
        assert any(results), f"no example of {spec.name} was compiled"
