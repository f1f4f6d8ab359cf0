"""Every differentiable spec of the shape and index families (``tests/ops/specs_shape.py``,
``specs_rearrange.py``, ``specs_index.py``, ``specs_masked.py``, ``specs_diagonal.py``,
``specs_scatter.py``) through a compiled step, compared with eager mode bit for bit; a spec
with an op outside ``covered.py`` must fall back cleanly, naming the op.

Views (reshape, permute, expand, slice, diagonal, unfold) run no kernel: their consumers'
kernels read the view, which shares the memory of a buffer a recorded call wrote, so a replay
reads that call's new values (``test_views_of_intermediates_read_the_new_values``). flip and
roll index with offsets made from shapes alone, constants of the step. The other targeted
tests pass index tensors as arguments of the step (arguments are copied into the step's
buffers at each call): gather, scatter and indexing follow their index (the index ops one by
one: ``test_index_ops_compiled.py``); a spec that builds its index from host data inside the
step is refused on purpose (a host value could change between calls unseen).
"""
import warnings

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn
from tests.compile.spec_steps import check_spec
from tests.ops import (specs_diagonal, specs_index, specs_masked, specs_rearrange, specs_scatter,
                       specs_shape)

MODULES = (specs_shape, specs_rearrange, specs_index, specs_masked, specs_diagonal,
           specs_scatter)
SPECS = [s for m in MODULES for s in m.SPECS if s.differentiable]

_HOST = "a tensor made from host data inside the step"
_UNRECORDED = "that no recorded call computed"
_OUTSIDE = "was computed outside the recorded calls"
# Specs whose ops are all covered but which make an index or a mask of host data inside the
# step (``ng.tensor`` of a constant, a list key), refused on purpose: a host value could change
# between calls unseen. The reasons name what the capture saw.
EAGER = {
    "getitem_int_list": _HOST,
    "getitem_index_tensor": _HOST,
    "getitem_mask": _HOST,
    "getitem_mixed": _HOST,
    "getitem_separated": _HOST,
    "getitem_int_selects_first": _HOST,
    "masked_select": _HOST,
    "index_select": _UNRECORDED,
    "take": _UNRECORDED,
    "repeat_interleave": _HOST,
    "repeat_interleave_flat": _HOST,
    "setitem_advanced": _HOST,
    "index_put": _HOST,
    "index_put_accumulate": _HOST,
    "put": _UNRECORDED,
    "masked_scatter": _HOST,
    "scatter": _OUTSIDE,
    "scatter_value": _OUTSIDE,
    "index_copy": _UNRECORDED,
    "index_fill": _UNRECORDED,
    "take_along_dim": _UNRECORDED,
    "scatter_add": _OUTSIDE,
    "index_add": _UNRECORDED,
    **{f"scatter_reduce_{r}{x}": _OUTSIDE for r in ("sum", "prod", "mean", "amax", "amin")
       for x in ("", "_exclude_self")},
    "gather": _OUTSIDE,
    "gather_dim0": _OUTSIDE,
    "masked_fill": _UNRECORDED,
    "masked_fill_tensor_value": _UNRECORDED,
}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_compiled_equals_eager(spec):
    check_spec(spec, examples=1, eager_reason=EAGER.get(spec.name))


class _Params(nn.Module):
    def __init__(self, **shapes):
        super().__init__()
        rng = np.random.default_rng(0)
        for name, shape in shapes.items():
            value = rng.standard_normal(shape).astype(np.float32)
            setattr(self, name, nn.Parameter(ng.from_numpy(value)))


def _compare(step, module, calls):
    """Run ``step(module, *args)`` for each ``args`` of ``calls`` eagerly, then compiled on a
    fresh copy of ``module``: outputs and gradients equal bit for bit. Returns the compiled
    function and the warnings it gave."""
    def run(fn, m):
        outs = []
        for args in calls:
            out = fn(m, *args)
            outs.append((out.numpy().copy(),
                         [p.grad.numpy().copy() for p in m.parameters()]))
        return outs

    fresh = {name: p.detach().numpy().copy() for name, p in module.named_parameters()}
    eager = run(step, module)
    for name, p in module.named_parameters():
        p.grad = None
        with ng.no_grad():
            p.data.numpy()[...] = fresh[name]
    compiled = ng.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = run(compiled, module)
    for (out_e, grads_e), (out_c, grads_c) in zip(eager, got):
        np.testing.assert_array_equal(out_e, out_c)
        for ge, gc in zip(grads_e, grads_c):
            np.testing.assert_array_equal(ge, gc)
    return compiled, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _gather_step(m, idx):
    m.zero_grad()
    out = ng.gather(m.w, 1, idx) * m.w[:, :3]
    out.sum().backward()
    return out.detach()


def test_gather_with_an_index_argument_compiles_and_follows_the_index():
    rng = np.random.default_rng(1)
    calls = [(ng.from_numpy(rng.integers(0, 5, (4, 3))),) for _ in range(5)]
    compiled, texts = _compare(_gather_step, _Params(w=(4, 5)), calls)
    assert not texts and len(compiled.sources) == 1


def test_gather_out_of_range_index_raises_in_a_compiled_step():
    m = _Params(w=(4, 5))
    compiled = ng.compile(_gather_step)
    good = ng.from_numpy(np.zeros((4, 3), np.int64))
    for _ in range(3):
        compiled(m, good)
    assert len(compiled.sources) == 1
    with pytest.raises(RuntimeError, match="out of bounds"):
        compiled(m, ng.from_numpy(np.full((4, 3), 5, np.int64)))


def _put_one(m, idx):
    y = m.w * 1.0
    y[idx] = m.v  # one element written at a position the argument names
    loss = (y * y).sum()
    m.zero_grad()
    loss.backward()
    return y.detach()


def _get_one(m, idx):
    y = m.w[idx] * m.v  # one element read at a position the argument names
    m.zero_grad()
    y.sum().backward()
    return y.detach()


@pytest.mark.parametrize("step", [_put_one, _get_one], ids=["setitem", "getitem"])
@pytest.mark.parametrize("shape", [(1,), ()], ids=["1-d", "0-d"])
def test_one_element_index_argument_is_not_replayed_as_a_constant(step, shape):
    # The offsets are one element computed on the host from the index's value: taken for a
    # number's constant, a replay would keep using the captured position. A 1-d index tensor
    # read by ``x[idx]`` is captured instead: its offsets computed in the step from its values.
    calls = [(ng.from_numpy(np.array(k % 4).reshape(shape)),) for k in range(5)]
    compiled, texts = _compare(step, _Params(w=(4,), v=(1,)), calls)
    if shape:
        assert not texts and len(compiled.sources) == 1, texts
        return
    assert not compiled.sources
    # A 0-d index selects as a Python int (read from the tensor): a value the capture refuses.
    assert len(texts) == 1 and "read into Python as an int" in texts[0], texts


def _views(m, x):
    h = x * m.w  # a buffer of the step
    a = h.t()[1:]  # views of it: a transpose, then a slice
    b = h.unsqueeze(0).expand(2, 3, 4).reshape(6, 4)
    c = ng.cat([a.reshape(-1), b.diagonal(), h.triu().flatten()])
    loss = (c * c).sum() + (h.permute(1, 0) @ m.w).sum()
    m.zero_grad()
    loss.backward()
    return c.detach()


def test_views_of_intermediates_read_the_new_values():
    rng = np.random.default_rng(2)
    calls = [(ng.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)),)
             for _ in range(5)]
    compiled, texts = _compare(_views, _Params(w=(3, 4)), calls)
    assert not texts and len(compiled.sources) == 1


def _scatter_step(reduce):
    def step(m, idx):
        m.zero_grad()
        if reduce == "add":
            out = m.w.scatter_add(0, idx, m.s)
        else:
            out = m.w.scatter_reduce(1, idx, m.s, reduce, include_self=reduce != "amin")
        (out * out).sum().backward()
        return out.detach()

    return step


@pytest.mark.parametrize("reduce", ["add", "sum", "prod", "amax", "amin"])
def test_scatter_with_an_index_argument_compiles_and_follows_the_index(reduce):
    rng = np.random.default_rng(3)
    # Few distinct values, so that repeated positions and ties (amax, amin) occur.
    m = _Params(w=(4, 5), s=(3, 4))
    with ng.no_grad():
        m.s.data.numpy()[...] = rng.integers(-2, 3, (3, 4))
        m.w.data.numpy()[...] = rng.integers(-2, 3, (4, 5))
    high = 4 if reduce == "add" else 5
    calls = [(ng.from_numpy(rng.integers(0, high, (3, 4))),) for _ in range(5)]
    compiled, texts = _compare(_scatter_step(reduce), m, calls)
    assert not texts and len(compiled.sources) == 1


def test_scatter_out_of_range_index_raises_in_a_compiled_step():
    m = _Params(w=(4, 5), s=(3, 4))
    compiled = ng.compile(_scatter_step("add"))
    good = ng.from_numpy(np.zeros((3, 4), np.int64))
    for _ in range(3):
        compiled(m, good)
    assert len(compiled.sources) == 1
    with pytest.raises(RuntimeError, match="out of bounds"):
        compiled(m, ng.from_numpy(np.full((3, 4), 4, np.int64)))


def _get_row(m, idx):
    y = m.w[idx.reshape(()), :] * m.v  # a 0-d index tensor in a key selects as an int
    m.zero_grad()
    y.sum().backward()
    return y.detach()


def test_zero_d_index_tensor_in_a_key_is_not_replayed_as_a_constant():
    calls = [(ng.from_numpy(np.array([k % 4])),) for k in range(5)]
    compiled, texts = _compare(_get_row, _Params(w=(4, 3), v=(1,)), calls)
    assert not compiled.sources
    assert len(texts) == 1 and "read into Python as an int" in texts[0], texts


def test_out_of_range_index_leaves_the_optimizer_as_eager_mode_does():
    """Eager mode raises in gather, before ``step()``: a compiled step that raises inside must
    leave Adam's step counters where they were."""
    def train(m, opt, idx):
        loss = ng.gather(m.w, 1, idx).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.detach()

    m = _Params(w=(3, 5))
    opt = ng.optim.Adam(m.parameters(), lr=0.1)
    compiled = ng.compile(train)
    good = ng.from_numpy(np.zeros((3, 2), np.int64))
    for _ in range(4):
        compiled(m, opt, good)
    assert len(compiled.sources) == 1
    before = [s["step"].item() for s in opt.state.values()]
    weights = m.w.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="out of bounds"):
        compiled(m, opt, ng.from_numpy(np.full((3, 2), 5, np.int64)))
    assert [s["step"].item() for s in opt.state.values()] == before == [4.0]
    np.testing.assert_array_equal(m.w.detach().numpy(), weights)
