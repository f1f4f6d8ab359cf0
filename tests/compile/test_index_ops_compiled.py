"""index_select, take, take_along_dim, index_add/copy/fill, put, index_put, scatter and
``x[idx] = v`` inside a compiled step, with their index passed as an argument: each op checks
and converts its index in a kernel (``checked_index``) and computes its offsets in the step, so
the results and gradients are eager mode's bit for bit whatever the indices, and an index out of
range raises eager mode's error (class and message) in the step."""
import warnings

import numpy as np
import pytest

import numbagrad as torch

rng = np.random.default_rng(0)


def _setitem(w, i, src):
    y = w * 1.0
    y[i] = src
    return y


def _setitem_no_grad(w, i, src):
    y = w.detach().clone()
    y[i] = src.detach()
    return y * w


# name: (op(w, index, src), w shape, index shape, index range (low, high), index dtype,
#        src shape or None)
OPS = {
    "index_select_dim0": (lambda w, i, s: w.index_select(0, i), (5, 3), (4,), (0, 5),
                          np.int64, None),
    "index_select_dim1_int32": (lambda w, i, s: torch.index_select(w, 1, i), (5, 3), (6,),
                                (0, 3), np.int32, None),
    "take": (lambda w, i, s: torch.take(w, i), (5, 3), (2, 4), (-15, 15), np.int64, None),
    "take_along_dim": (lambda w, i, s: torch.take_along_dim(w, i, 1), (5, 3), (5, 2),
                       (-3, 3), np.int64, None),
    "take_along_dim_flat": (lambda w, i, s: torch.take_along_dim(w, i), (5, 3), (7,),
                            (-15, 15), np.int64, None),
    "index_add": (lambda w, i, s: w.index_add(0, i, s, alpha=0.5), (5, 3), (4,), (-5, 5),
                  np.int64, (4, 3)),
    "index_add_1d": (lambda w, i, s: w.reshape(-1).index_add(0, i, s), (5, 3), (4,),
                     (-15, 15), np.int32, (4,)),
    "index_copy": (lambda w, i, s: w.index_copy(1, i, s), (5, 3), (2,), (0, 3), np.int64,
                   (5, 2)),
    "index_fill": (lambda w, i, s: w.index_fill(1, i, 0.25), (5, 3), (2,), (-3, 3), np.int64,
                   None),
    "put": (lambda w, i, s: w.put(i, s), (5, 3), (2, 2), (-15, 15), np.int64, (4,)),
    "put_accumulate": (lambda w, i, s: w.put(i, s, accumulate=True), (5, 3), (6,), (-15, 15),
                       np.int64, (6,)),
    "index_put": (lambda w, i, s: w.index_put((i,), s), (5, 3), (3,), (-5, 5), np.int64,
                  (3, 3)),
    "index_put_accumulate": (lambda w, i, s: torch.index_put(w, (i, i % 3), s, True), (5, 3),
                             (6,), (0, 5), np.int64, (6,)),
    "scatter": (lambda w, i, s: w.scatter(0, i, s), (5, 3), (2, 3), (0, 5), np.int64, (2, 3)),
    "scatter_value": (lambda w, i, s: w.scatter(1, i, 1.5), (5, 3), (5, 2), (0, 3), np.int64,
                      None),
    "setitem": (_setitem, (5, 3), (2,), (-5, 5), np.int64, (3,)),
    "setitem_no_grad": (_setitem_no_grad, (5, 3), (2,), (-5, 5), np.int64, (2, 3)),
}


_WRITES = ("index_copy", "scatter", "setitem", "put", "index_put")


def _index(name):
    _, _, shape, (low, high), dtype, _ = OPS[name]
    if not name.startswith(_WRITES) or "accumulate" in name:
        return rng.integers(low, high, shape).astype(dtype)
    # A write with repeated positions: torch leaves the winner unspecified, so the test draws
    # distinct positions, some as negative indices where the op takes them.
    if name.startswith("scatter"):  # distinct along the scattered dim
        axis = 0 if name == "scatter" else 1
        return np.stack([rng.permutation(high)[:shape[axis]] for _ in range(shape[1 - axis])],
                        axis=1 - axis).astype(dtype)
    size = int(np.prod(shape))
    positions = rng.permutation(high)[:size]
    if low < 0:
        positions = positions - high * rng.integers(0, 2, size)
    return positions.reshape(shape).astype(dtype)


def _steps(name):
    op, wshape, _, _, _, sshape = OPS[name]

    def setup():
        torch.manual_seed(0)
        w = torch.nn.Parameter(torch.randn(*wshape))
        return w, torch.optim.SGD([w], lr=0.1, momentum=0.9)

    def make(w, opt):
        def step(i, src):
            opt.zero_grad()
            out = op(w, i, src)
            loss = (out * out).sum()
            loss.backward()
            opt.step()
            return out.detach(), loss.detach()
        return step

    (w1, o1), (w2, o2) = setup(), setup()
    return (w1, make(w1, o1)), (w2, torch.compile(make(w2, o2))), sshape


@pytest.mark.parametrize("name", list(OPS))
def test_index_op_follows_its_index_in_a_compiled_step(name):
    (w1, eager), (w2, compiled), sshape = _steps(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            i = torch.from_numpy(_index(name))
            src = torch.randn(*sshape) if sshape else torch.zeros(1)
            want, got = eager(i, src), compiled(i, src)
            for a, b in zip(want, got):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
            np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())
    assert len(compiled.sources) == 1


# name: (a bad index, its error class, the message's text)
BAD = {
    "index_select_dim0": ([0, 5], IndexError, "index out of range in self: index 5"),
    "index_select_dim1_int32": ([0, 1, -1, 0, 1, 2], RuntimeError,
                                "INDICES element is out of DATA bounds, id=-1 axis_dim=3"),
    "take": ([[0, 1, 2, 15], [0, 0, 0, 0]], IndexError,
             "tried to access index 15 on a tensor of 15 elements"),
    "take_along_dim": ([[0, 3]] * 5, RuntimeError,
                       "take_along_dim\\(\\): index 3 is out of bounds for dimension 1"),
    "index_add": ([0, 1, 2, -6], RuntimeError,
                  "index_add\\(\\): index -6 is out of bounds for dimension 0 with size 5"),
    "index_add_1d": ([0, 1, 2, 15], IndexError, "index_add\\(\\): index 15 is out of bounds"),
    "index_copy": ([0, -1], IndexError,
                   "index_copy_\\(\\): index -1 is out of bounds for dimension 1 with size 3"),
    "index_fill": ([0, 3], IndexError, "^index 3 is out of bounds for dimension 1 with size 3"),
    "put": ([[0, 1], [2, -16]], IndexError, "tried to access index -16 on a tensor of 15"),
    "scatter": ([[0, 1, 2], [5, 3, 4]], RuntimeError, "index"),
    "setitem": ([1, 5], IndexError, "index 5 is out of bounds for dimension 0 with size 5"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_index_out_of_range_raises_eager_modes_error_in_the_step(name):
    (w1, eager), (w2, compiled), sshape = _steps(name)
    dtype = OPS[name][4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            i, src = torch.from_numpy(_index(name)), torch.randn(*(sshape or (1,)))
            eager(i, src)
            compiled(i, src)
    bad, exc, text = BAD[name]
    i = torch.from_numpy(np.array(bad, dtype))
    with pytest.raises(exc, match=text) as eager_error:
        eager(i, src)
    with pytest.raises(exc, match=text) as compiled_error:
        compiled(i, src)
    if name != "scatter":  # a compiled scatter names its check in its own words
        assert str(eager_error.value) == str(compiled_error.value)
    np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())
    assert len(compiled.sources) == 1


def test_index_select_of_a_strided_index_argument():
    """A strided index is made contiguous by a recorded copy before the check."""
    w = torch.randn(6, 2, requires_grad=True)

    def f(w, i):
        out = w.index_select(0, i[::2])
        (out * out).sum().backward()
        return out.detach()

    compiled = torch.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            i = torch.from_numpy(rng.integers(0, 6, 7))
            w.grad = None
            want = f(w, i)
            want_grad, w.grad = w.grad.numpy().copy(), None
            np.testing.assert_array_equal(want.numpy(), compiled(w, i).numpy())
            np.testing.assert_array_equal(want_grad, w.grad.numpy())
    assert len(compiled.sources) == 1
