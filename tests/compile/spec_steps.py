"""Running an op spec through a compiled step and through eager mode, side by side.

The step is ``zero_grad(); out = spec.fn(*params); out.sum().backward()``, over parameters made
from the spec's drawn inputs. Between calls the parameters' values change in place (each later
call sees values drawn afresh in the spec's range, kept off its kinks): a compiled step that
replayed a value computed in Python from an earlier call's data (a sum, a maximum) would give
other numbers than eager mode, and the comparison fails. Examples whose inputs all have fewer
than two elements are skipped, so that there is something to change.

Used by the ``test_specs_<family>.py`` files, one per op family, which together run every
differentiable spec of ``tests/ops`` through a compiled step.
"""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import numbagrad as ng
from numbagrad import nn
from numbagrad.compile.covered import COVERED
from tests.ops.strategies import _away_from_kinks, op_inputs

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


def _values(spec, arrays, call: int) -> list:
    """The inputs of call ``call``: the drawn ``arrays`` first, then new values of their shapes
    in the spec's range (off its kinks, through its ``fix``)."""
    if call == 0:
        return arrays
    rng = np.random.default_rng(call)
    new = [_away_from_kinks(rng.uniform(spec.low, spec.high, a.shape), spec.kinks, spec.kink_gap)
           for a in arrays]
    if spec.fix is not None:
        new = spec.fix(new)
    return [n.astype(a.dtype) for n, a in zip(new, arrays)]


def _run(spec, step, arrays) -> tuple:
    m = _Inputs(arrays)
    outs, grads = [], []
    for call in range(CALLS):
        with ng.no_grad():
            for p, v in zip(m.p, _values(spec, arrays, call)):
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
    eager = _run(spec, _step(spec), arrays)
    compiled_step = ng.compile(_step(spec))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = _run(spec, compiled_step, arrays)
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
    @given(st.data())
    def check(data):
        # Hypothesis tries its simplest example first (0-d or one-element inputs, where a
        # change of values between calls shows nothing): draw again, a few times, for bigger.
        for _ in range(8):
            arrays = data.draw(op_inputs(spec, np.float32))
            if any(a.size >= 2 for a in arrays):
                break
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
