"""Differential tests against torch: random programs of ops run in numbagrad and torch 2.13 from
the same float64 data; values and leaf gradients must agree.

A program is a list of instructions, each an op applied to earlier values (any of them, so
values fan out and graphs form diamonds). The loss sums the last value and one earlier value;
backward runs twice with ``retain_graph=True`` so that gradients accumulate.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import numbagrad as ng

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-9, 1e-12


def _available(probe) -> bool:
    try:
        probe()
    except NotImplementedError:
        return False
    return True


# Each op is written once against the shared torch/numbagrad API (``L`` is the library).
# Inputs can be any real number: log, sqrt and division get arguments bounded away from 0.
UNARY = {
    "neg": lambda L, x: -x,
    "tanh": lambda L, x: x.tanh(),
    "sigmoid": lambda L, x: L.sigmoid(x),
    "relu": lambda L, x: x.relu(),
    "abs": lambda L, x: x.abs(),
    "exp": lambda L, x: L.exp(x.tanh()),
    "log": lambda L, x: L.log(x * x + 1),
    "sqrt": lambda L, x: (x * x + 0.5).sqrt(),
    "square": lambda L, x: x ** 2,
    "pow_half": lambda L, x: (x * x + 1) ** 0.5,
    "clamp": lambda L, x: x.clamp(-1.0, 1.5),
    "clamp_min": lambda L, x: L.clamp(x, min=-0.5),
    "add_scalar": lambda L, x: x + 1.5,
    "rsub_scalar": lambda L, x: 2.0 - x,
    "rmul_scalar": lambda L, x: 3 * x,
    "div_scalar": lambda L, x: x / 4.0,
    "rdiv": lambda L, x: 1.0 / (x * x + 1),
    "double": lambda L, x: x.double(),
}
BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 1),
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "add_alpha": lambda L, a, b: L.add(a, b, alpha=0.5),
    "pow": lambda L, a, b: (a * a + 1) ** b.tanh(),
}

REDUCTIONS = {
    "sum_keepdim": lambda L, x, d: x.sum(dim=d, keepdim=True),
    "mean_keepdim": lambda L, x, d: x.mean(dim=d, keepdim=True),
    "amax_keepdim": lambda L, x, d: x.amax(dim=d, keepdim=True),
}
if not _available(lambda: ng.ones(2, 3).mean(0, keepdim=True)):
    REDUCTIONS.pop("mean_keepdim")
if not _available(lambda: ng.ones(2, 3).amax(0, keepdim=True)):
    REDUCTIONS.pop("amax_keepdim")
HAVE_MATMUL = _available(lambda: ng.ones(2, 3) @ ng.ones(3, 2))
HAVE_TRANSPOSE = _available(lambda: ng.ones(2, 3).transpose(0, 1))


@st.composite
def programs(draw):
    shapes = draw(mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                max_side=3)).input_shapes
    n_leaves = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    steps = []
    n_values = n_leaves
    kinds = ["unary", "binary", "binary"] + (["reduce"] if REDUCTIONS else [])
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(kinds))
        # Recent values are likelier, but any earlier value may be reused (fan-out, diamonds).
        pick = st.integers(0, n_values - 1)
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), (draw(pick),)))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))),
                          (draw(pick), draw(pick))))
        else:
            steps.append(("reduce", draw(st.sampled_from(sorted(REDUCTIONS))), (draw(pick),),
                          draw(st.integers(0, 2))))
        n_values += 1
    extra_output = draw(st.integers(0, n_values - 1))
    return shapes[:n_leaves], seed, steps, extra_output


def _run(L, leaves_np, steps, extra_output):
    leaves = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in leaves_np]
    values = list(leaves)
    for step in steps:
        kind, name, args = step[:3]
        xs = [values[i] for i in args]
        if kind == "unary":
            values.append(UNARY[name](L, xs[0]))
        elif kind == "binary":
            values.append(BINARY[name](L, *xs))
        else:
            x = xs[0]
            if x.dim() == 0:
                values.append(x * 1)
            else:
                values.append(REDUCTIONS[name](L, x, step[3] % x.dim()))
    loss = values[-1].sum() * 0.5 + values[extra_output].sum()
    if not loss.requires_grad:
        return values, loss, [None] * len(leaves)
    loss.backward(retain_graph=True)
    loss.backward()  # the second call accumulates into .grad
    return values, loss, [leaf.grad for leaf in leaves]


def _np(t):
    return None if t is None else t.detach().numpy()


@settings(max_examples=60)
@given(programs())
def test_random_programs_match_torch(program):
    shapes, seed, steps, extra_output = program
    rng = np.random.default_rng(seed)
    leaves = [rng.uniform(-2, 2, s) for s in shapes]
    ng_values, ng_loss, ng_grads = _run(ng, leaves, steps, extra_output)
    t_values, t_loss, t_grads = _run(torch, leaves, steps, extra_output)
    for i, (a, b) in enumerate(zip(ng_values, t_values)):
        assert tuple(a.shape) == tuple(b.shape), (i, steps)
        assert a.dtype.name == str(b.dtype).removeprefix("torch."), (i, steps)
        np.testing.assert_allclose(_np(a), _np(b), rtol=RTOL, atol=ATOL, err_msg=str(steps))
    np.testing.assert_allclose(ng_loss.item(), t_loss.item(), rtol=RTOL, atol=ATOL)
    for g, h in zip(ng_grads, t_grads):
        assert (g is None) == (h is None)
        if g is not None:
            assert tuple(g.shape) == tuple(h.shape)
            np.testing.assert_allclose(_np(g), _np(h), rtol=RTOL, atol=ATOL, err_msg=str(steps))


@pytest.mark.skipif(not (HAVE_MATMUL and HAVE_TRANSPOSE), reason="matmul or transpose not ready")
@settings(max_examples=20)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_matmul_chains_match_torch(n, k, m, seed):
    rng = np.random.default_rng(seed)
    a, b, c = rng.uniform(-1, 1, (n, k)), rng.uniform(-1, 1, (k, m)), rng.uniform(-1, 1, (m,))

    def run(L):
        ta, tb, tc = (L.tensor(v, dtype=L.float64, requires_grad=True) for v in (a, b, c))
        h = (ta @ tb + tc).tanh()
        out = (h.transpose(0, 1) @ h * 2 - h.sum()).sum()
        out.backward(retain_graph=True)
        out.backward()
        return [out.item()] + [t.grad.numpy() for t in (ta, tb, tc)]

    for x, y in zip(run(ng), run(torch)):
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL)


def test_inplace_and_integer_mix_match_torch():
    def run(L):
        x = L.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=L.float64, requires_grad=True)
        i = L.tensor([1, 2, 3])
        y = x * i + 2
        y.mul_(x).add_(i, alpha=2)
        z = (y / i).sigmoid() + (i > 1) * y
        z.sum().backward()
        return [z.detach().numpy(), x.grad.numpy()]

    for a, b in zip(run(ng), run(torch)):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
