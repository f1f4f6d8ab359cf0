"""Indexing against torch itself: Hypothesis draws keys (ints, slices with steps, None, Ellipsis,
bool scalars, int lists/tensors with repeats, 0-d tensors, masks, some out of range) and
``x[key]``, its gradient and ``x[key] = value`` must give torch's shapes, values, gradients and
errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbagrad as ng

torch = pytest.importorskip("torch")
# torch warns about uint8 masks and lists read as tuples; numbagrad follows torch silently.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _int_array(draw, n: int, shape: tuple, unique: bool, wild: bool) -> list:
    """Nested lists of ints in [-n, n) of ``shape`` (sometimes one out of range if ``wild``)."""
    size = int(np.prod(shape))
    low, high = (-n - 1, n) if wild else (-n, n - 1)
    if unique:
        values = draw(st.permutations(range(n)))[:size]
        if len(values) < size:
            values = (values * size)[:size]  # too few distinct ones: let the check below skip
    else:
        values = draw(st.lists(st.integers(low, high), min_size=size, max_size=size))
    return np.array(values, dtype=np.int64).reshape(shape).tolist()


@st.composite
def keys(draw, unique: bool = False):
    """``(shape, items)``: an input shape and a key as plain items, some of them tagged
    ``("tensor", nested_list)``, ``("t0", int)`` or ``("mask", nested_bools)`` to be built as a
    tensor of either library."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    wild = not unique and draw(st.integers(0, 9)) == 0
    array_shape = draw(st.sampled_from([(1,), (2,), (3,), (2, 1), (1, 2), (2, 2)]))
    items, d, used_ellipsis = [], 0, False
    while d < len(shape):
        n = shape[d]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "list", "tensor", "t0",
                                     "mask", "bool", "ellipsis", "stop"]))
        if kind == "stop":
            break
        if kind == "int":
            items.append(draw(st.integers(-n - wild, n - 1 + wild)))
            d += 1
        elif kind == "t0":
            items.append(("t0", draw(st.integers(-n, n - 1))))
            d += 1
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n - 1, n + 1))
            stop = draw(st.none() | st.integers(-n - 1, n + 1))
            step = draw(st.none() | st.integers(1, 3))
            items.append(slice(start, stop, step))
            d += 1
        elif kind == "none":
            items.append(None)
        elif kind == "bool":
            items.append(draw(st.booleans()))
        elif kind == "ellipsis":
            if used_ellipsis:
                continue
            used_ellipsis = True
            items.append(Ellipsis)
            d = len(shape) - draw(st.integers(0, len(shape) - d))
        elif kind in ("list", "tensor"):
            values = _int_array(draw, n, array_shape, unique, wild)
            items.append(values if kind == "list" else ("tensor", values))
            d += 1
        else:
            width = draw(st.integers(1, min(2, len(shape) - d)))
            bools = draw(st.lists(st.booleans(), min_size=int(np.prod(shape[d:d + width])),
                                  max_size=int(np.prod(shape[d:d + width]))))
            items.append(("mask", np.array(bools).reshape(shape[d:d + width]).tolist()))
            d += width
    if draw(st.booleans()):
        items.append(None)
    return shape, items


def _key(lib, items):
    out = []
    for k in items:
        if isinstance(k, tuple) and k[0] == "tensor":
            out.append(lib.tensor(k[1], dtype=lib.int64))
        elif isinstance(k, tuple) and k[0] == "t0":
            out.append(lib.tensor(k[1]))
        elif isinstance(k, tuple) and k[0] == "mask":
            out.append(lib.tensor(k[1], dtype=lib.bool))
        else:
            out.append(k)
    return tuple(out)


def _run(fn):
    try:
        return fn(), None
    except (IndexError, RuntimeError, ValueError) as e:
        return None, e


def _same_error(expected, got):
    assert got is not None, f"torch raised {expected!r}, numbagrad did not"
    assert type(got) is type(expected)
    assert str(got) == str(expected)


def _inputs(shape):
    data = np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape)
    return (torch.tensor(data, requires_grad=True), ng.tensor(data, requires_grad=True))


@settings(max_examples=300)
@given(keys(), st.integers(0, 2**31 - 1))
def test_getitem_and_its_gradient_match_torch(case, seed):
    shape, items = case
    tx, nx = _inputs(shape)
    expected, error = _run(lambda: tx[_key(torch, items)])
    got, got_error = _run(lambda: nx[_key(ng, items)])
    if error is not None:
        _same_error(error, got_error)
        return
    assert got_error is None, f"numbagrad raised {got_error!r}, torch gave {expected.shape}"
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    # Random weights: each position's gradient is its weights summed over repeats.
    w = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    (expected * torch.tensor(w)).sum().backward()
    (got * ng.tensor(w)).sum().backward()
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def _has_repeats(shape, items) -> bool:
    """Whether the key reaches one position twice (torch leaves the winner unspecified)."""
    probe = torch.arange(int(np.prod(shape))).reshape(shape)
    hits = probe[_key(torch, items)].reshape(-1)
    return hits.unique().numel() != hits.numel()


@settings(max_examples=200)
@given(keys(unique=True), st.integers(0, 2**31 - 1), st.integers(0, 3))
def test_setitem_and_its_gradients_match_torch(case, seed, how):
    shape, items = case
    rng = np.random.default_rng(seed)
    target, error = _run(lambda: torch.zeros(shape)[_key(torch, items)].shape)
    if error is None and _has_repeats(shape, items):
        return
    vshape = () if target is None else tuple(target)
    if how == 1:
        vshape = tuple(1 if rng.integers(2) else n for n in vshape)
    elif how == 2:
        vshape = (1,) + vshape[1:] if vshape else (1,)
    elif how == 3:
        vshape = vshape[1:]
    value = 2.5 if how == 0 else rng.standard_normal(vshape)
    base_t, base_n = _inputs(shape)
    tv = value if how == 0 else torch.tensor(value, requires_grad=True)
    nv = value if how == 0 else ng.tensor(value, requires_grad=True)
    tx, nx = base_t * 1.0, base_n * 1.0  # non-leaves, so the write is recorded

    def write(x, key, v):
        x[key] = v
        return x

    expected, error = _run(lambda: write(tx, _key(torch, items), tv))
    got, got_error = _run(lambda: write(nx, _key(ng, items), nv))
    if error is not None:
        _same_error(error, got_error)
        return
    assert got_error is None, f"numbagrad raised {got_error!r}"
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    w = rng.standard_normal(shape)
    (expected * torch.tensor(w)).sum().backward()
    (got * ng.tensor(w)).sum().backward()
    np.testing.assert_allclose(base_n.grad.numpy(), base_t.grad.numpy(), rtol=1e-12)
    if how:
        np.testing.assert_allclose(nv.grad.numpy(), tv.grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=100)
@given(keys(unique=True), st.booleans())
def test_setitem_without_recording_matches_torch(case, scalar):
    shape, items = case
    target, error = _run(lambda: torch.zeros(shape)[_key(torch, items)].shape)
    if error is None and _has_repeats(shape, items):
        return
    value = 7.0 if scalar or target is None else np.arange(int(np.prod(target)),
                                                           dtype=np.float32).reshape(target)
    tx, nx = torch.zeros(shape), ng.zeros(shape)
    tv = value if scalar or target is None else torch.tensor(value)
    nv = value if scalar or target is None else ng.tensor(value)

    def write(x, key, v):
        x[key] = v
        return x

    expected, error = _run(lambda: write(tx, _key(torch, items), tv))
    got, got_error = _run(lambda: write(nx, _key(ng, items), nv))
    if error is not None:
        _same_error(error, got_error)
        return
    assert got_error is None, f"numbagrad raised {got_error!r}"
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("key", [
    (0, slice(None), [0, 3, 3]), ([0, 1], 0, [1, 2]), ([1, 0], None, [0, 2]), True, False,
    (0, True), (slice(None), True, [0, 2]), [[0, 1], [1, 2]], range(2), (slice(None), range(2)),
    [], (slice(None), []), [True, False], ((0, 1),), [0, slice(None), 1], (None, [0, 1], None),
    (Ellipsis, [[0, 1], [2, 3]]), ([0, 1], Ellipsis, [0, 1]), ([1], -1, [2, -4]),
])
def test_listed_keys_match_torch(key):
    data = np.arange(24.0).reshape(2, 3, 4)
    expected = torch.tensor(data)[key]
    got = ng.tensor(data)[key]
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("key", [
    5, (slice(None), -4), (None, 5), (Ellipsis, 9), (0, 0, 9), (slice(None), [0, 3]),
    (0, slice(None), [0, 7]), ([0], slice(None), [0, 7]), ([0, 1], [0, 1, 2]), 0.5,
    (0, 0, 0, 0), (Ellipsis, 0, Ellipsis, 0), slice(None, None, -1), slice(None, None, 0),
    [True, True, False], ([True, False], [5]),
])
def test_errors_match_torch(key):
    data = np.arange(24.0).reshape(2, 3, 4)
    expected, error = _run(lambda: torch.tensor(data)[key])
    assert error is not None
    got, got_error = _run(lambda: ng.tensor(data)[key])
    _same_error(error, got_error)


@pytest.mark.parametrize("shape,key", [
    ((0, 3), (slice(None), [0, 2])), ((0, 3), ([0],)), ((2, 0), (slice(None), [0])),
    ((2, 0, 3), (0, slice(None), [2, 2])), ((2, 3), ([[0], [1]], [0, 1, 2])),
])
def test_empty_tensors_and_results_match_torch(shape, key):
    expected, error = _run(lambda: torch.zeros(shape)[key])
    got, got_error = _run(lambda: ng.zeros(shape)[key])
    if error is not None:
        _same_error(error, got_error)
    else:
        assert got_error is None and tuple(got.shape) == tuple(expected.shape)


def test_0d_tensor_indices_select_like_ints():
    data = np.arange(24.0).reshape(2, 3, 4)
    for lib in (torch, ng):
        assert tuple(lib.tensor(data)[lib.tensor(1), :, lib.tensor([0, 1])].shape) == (3, 2)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        ng.tensor(3.0)[0]
    np.testing.assert_array_equal(ng.tensor(3.0)[ng.tensor(True)].numpy(), [3.0])
    with pytest.raises(IndexError, match="tensors used as indices must be long"):
        ng.tensor(data)[ng.tensor([0.0])]


def test_uint8_masks_and_numpy_keys_match_torch():
    data = np.arange(24.0).reshape(2, 3, 4)
    cases = [
        lambda lib: lib.tensor(data)[lib.tensor([1, 0], dtype=lib.uint8)],
        lambda lib: lib.tensor(data)[lib.tensor(1, dtype=lib.uint8), 1],
        lambda lib: lib.tensor(data)[np.array([1, 0]), :, np.int64(2)],
        lambda lib: lib.tensor(data)[:, np.array([True, False, True])],
    ]
    for case in cases:
        expected = case(torch)
        got = case(ng)
        assert tuple(got.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
