"""Every differentiable spec of the elementwise family (unary, binary, comparison, division and
activation ops) run through a compiled step with inputs that change between calls, compared
with eager mode bit for bit (:func:`tests.compile.spec_steps.check_spec`); a spec with an op
outside ``numbagrad/compile/covered.py`` must fall back with one warning naming it.

Each spec runs on fixed shapes of several elements, broadcast where the spec broadcasts: the
first example Hypothesis draws is its simplest, 0-d inputs, whose values a roll does not change
and whose gradients need no sum over broadcast dimensions, so it would prove little.

Beside the specs, training steps of several calls check what no differentiable spec runs: the
comparisons, ``logical_not``, ``signbit`` and ``floor_divide`` as masks, conversions and integer
division by a number, in-place forms; and what must run eagerly: training-mode ``rrelu`` and an
integer division by a tensor (both read values on the host), float16.
"""
import dataclasses
import warnings

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F
from numbagrad import nn
from tests.compile.spec_steps import check_spec
from tests.ops import (specs_activation, specs_binary, specs_elementwise, specs_logic,
                       specs_unary)

MODULES = (specs_elementwise, specs_unary, specs_binary, specs_logic, specs_activation)
SPECS = [s for m in MODULES for s in m.SPECS if s.differentiable]

# Specs whose ops are covered but which build a tensor from host data inside the step: refused
# on purpose (a host value could change between calls unseen).
EAGER = {
}

# Shapes of specs that take structured inputs: (N, C, *) and (C,) for prelu, a one-element
# shared slope, an even last size for glu.
SHAPES = {
    "prelu": [(2, 3, 4), (3,)],
    "prelu_shared": [(3, 4), (1,)],
    "glu": [(3, 4)],
}


def _shapes(spec) -> list:
    """Input shapes of several elements: a matrix, and with several inputs a row vector (the
    second) broadcast against it, so the vjps sum the broadcast away."""
    if spec.name in SHAPES:
        return SHAPES[spec.name]
    if spec.n_inputs == 1:
        return [(3, 4)]
    if not spec.broadcast:
        return [(3, 4)] * spec.n_inputs
    return [(3, 4), (4,)] + [(3, 4)] * (spec.n_inputs - 2)


def _with_shapes(spec, shapes):
    return dataclasses.replace(spec, shapes=lambda draw: list(shapes))


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_compiled_equals_eager(spec):
    check_spec(_with_shapes(spec, _shapes(spec)), examples=1,
               eager_reason=EAGER.get(spec.name))


BROADCAST = [s for s in SPECS if s.n_inputs > 1 and s.broadcast and s.name not in SHAPES]


@pytest.mark.parametrize("spec", BROADCAST, ids=[s.name for s in BROADCAST])
def test_spec_with_a_broadcast_column_compiled_equals_eager(spec):
    """The first input a column (3, 1) against a matrix: its gradient sums the last dimension
    away, keeping it."""
    shapes = [(3, 1)] + [(3, 4)] * (spec.n_inputs - 1)
    check_spec(_with_shapes(spec, shapes), examples=1, eager_reason=EAGER.get(spec.name))


# Ops without gradients (their specs are not differentiable, so the sweep above does not run
# them) run below in training steps, as masks or converted values.


class _Params(nn.Module):
    def __init__(self):
        super().__init__()
        ng.manual_seed(0)
        self.w = nn.Parameter(ng.randn(3, 4))
        self.b = nn.Parameter(ng.randn(4))


def _masked_loss(m, x, y):
    h = x * m.w + m.b
    total = ng.where(h > y, h, -h).sum()
    total = total + ng.where(h >= y, h * h, h).sum() + ng.where(h < y, y, h).sum()
    total = total + ng.where(ng.le(h, y), h, 2 * h).sum()
    # Rounded values tie often: eq and ne see both outcomes.
    r, s = ng.floor_divide(h, 0.5), ng.floor_divide(y, 0.5)
    total = total + ng.where(ng.eq(r, s), h, 0.5 * h).sum() + ng.where(ng.ne(r, s), h, y).sum()
    total = total + ng.where(ng.logical_not(h > 0), h, y).sum()
    return total + ng.where(ng.signbit(h), h * y, h).sum()


def _logic_loss(m, x, y):
    h = x * m.w + m.b
    q = h.trunc() / (y * 4).trunc()  # where |4 y| < 1: nan where |h| < 1 too, else infinite
    masks = (ng.isnan(q), ng.isinf(q), ng.isposinf(q), ng.isneginf(q), ng.isfinite(q),
             ng.isclose(h, y, rtol=0.5, atol=0.1), ng.logical_and(h > 0, y > 0),
             ng.logical_or(h > 0, y > 0), ng.logical_xor(h > 0, y > 0))
    total = sum(ng.where(mask, h, 0.5 * h).sum() for mask in masks)
    a, b = (h * 8).to(ng.int64), (y * 8).to(ng.int64)
    bits = (ng.bitwise_and(a, b), ng.bitwise_or(a, b), ng.bitwise_xor(a, b), ng.bitwise_not(a),
            ng.bitwise_left_shift(a, 2), ng.bitwise_right_shift(a, 1))
    return total + sum((k.to(ng.float32) * h).sum() for k in bits)


def _train(step, loss_fn, steps=8):
    m = _Params()
    opt = ng.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(1)
    losses = []
    for _ in range(steps):
        x = ng.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
        y = ng.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
        losses.append(step(m, opt, loss_fn, x, y).item())
    return losses, [p.detach().numpy().copy() for p in m.parameters()]


def _step(m, opt, loss_fn, x, y):
    loss = loss_fn(m, x, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def test_masks_of_comparisons_compile_and_equal_eager():
    eager = _train(_step, _masked_loss)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step, _masked_loss)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def test_logic_and_bitwise_ops_compile_and_equal_eager():
    eager = _train(_step, _logic_loss)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step, _logic_loss)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _rrelu_training(m, x, y):
    return (F.rrelu(x * m.w, training=True) * y).sum()


def test_rrelu_training_compiles_and_equals_eager():
    """Training-mode rrelu draws its slopes from the generator: a compiled step draws what
    eager mode draws, call after call."""
    ng.manual_seed(0)
    eager = _train(_step, _rrelu_training)
    ng.manual_seed(0)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step, _rrelu_training)
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)
    assert compiled_step.sources


def _casts(m, x, y):
    h = x * m.w + m.b
    k = (h * 3).to(ng.int64)  # conversions round toward zero, as NumPy's
    total = (k.to(ng.float32) * h).sum() + ((h > 0).to(ng.float32) * h).sum()
    total = total + ((k % 3).to(ng.int32).to(ng.float64) * h.double()).sum().float()
    total = total + (ng.div(k, 4, rounding_mode="floor") * h).sum()
    return total + ng.where((h * 2).to(ng.bool), h, y).sum()


def test_casts_and_integer_division_by_a_number_compile_and_equal_eager():
    eager = _train(_step, _casts)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step, _casts)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _integer_fmod(m, x, y):
    # An integer division by a tensor checks the divisor for zeros on the host, as eager mode
    # raises: a value the replay could not check again.
    n = (y * 4).to(ng.int64)
    k = ng.fmod(n * 3 + 20, n + 30)
    return (x * m.w * k.to(ng.float32)).sum()


def test_integer_division_falls_back():
    eager = _train(_step, _integer_fmod, steps=3)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = _train(compiled_step, _integer_fmod, steps=3)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(texts) == 1 and "Tensor.numpy()" in texts[0], texts
    assert not compiled_step.sources
    assert eager[0] == compiled[0]


def _inplace_loss(m, x, y):
    h = x * m.w + m.b
    g = h * 1.0  # in-place ops need a non-leaf
    g.sigmoid_()
    g.mul_(y)
    g.clamp_(-0.5, 0.5)
    g.add_(h)
    g += y
    F.relu(g, inplace=True)
    return g.sum()


def _manual_sgd(m, opt, loss_fn, x, y):
    loss = loss_fn(m, x, y)
    m.zero_grad()
    loss.backward()
    with ng.no_grad():
        for p in m.parameters():
            p.sub_(0.01 * p.grad)
            p.mul_(0.999)
    return loss


@pytest.mark.parametrize("step", [_step, _manual_sgd], ids=["optimizer", "manual-update"])
def test_inplace_forms_compile_and_equal_eager(step):
    """In-place ops in the graph (their old value copied, the result written back), and
    in-place updates of the parameters under no_grad."""
    eager = _train(step, _inplace_loss)
    compiled_step = ng.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step, _inplace_loss)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _half(m, x, y):
    h = x * m.w + m.b
    return (h.half() * y.half()).float().sum()


def test_float16_falls_back():
    """float16 tensors are converted in NumPy and Numba has no float16 type: eager, with one
    warning, rather than a step that fails to compile."""
    eager = _train(_step, _half, steps=3)
    compiled_step = ng.compile(_step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = _train(compiled_step, _half, steps=3)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(texts) == 1 and "float16" in texts[0], texts
    assert not compiled_step.sources
    assert eager[0] == compiled[0]
