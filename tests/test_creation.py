"""Creation functions, with torch's dtypes: data, constants and random numbers
(``creation.py``), ranges (``ranges.py``), and tensors made after another (``like.py``)."""
import numpy as np
import pytest

import numbagrad as ng


@pytest.mark.parametrize("data,dtype", [
    ([1, 2], ng.int64), ([1.0, 2], ng.float32), ([True, False], ng.bool), ([True, 2], ng.int64),
    (3, ng.int64), (2.5, ng.float32), (True, ng.bool), ([], ng.float32), ([[1], [2]], ng.int64),
    (np.float64(2.0), ng.float64), ([1.0, np.float64(2)], ng.float64),
    ([np.int32(1)], ng.int32), ([1, np.float32(2)], ng.float32),
    (np.zeros(2, np.int32), ng.int32), (np.zeros(2), ng.float64),
])
def test_tensor_infers_torchs_dtype(data, dtype):
    t = ng.tensor(data)
    assert t.dtype is dtype
    assert t.shape == np.shape(np.asarray(data))


def test_tensor_copies_and_casts():
    a = np.arange(3.0)
    t = ng.tensor(a, dtype=ng.float32)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0] and t.dtype is ng.float32
    u = ng.tensor(t)
    t.add_(1)
    assert u.tolist() == [0.0, 1.0, 2.0]
    assert ng.tensor([ng.tensor(1.0), ng.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert ng.tensor([1, 2], dtype=float).dtype is ng.float64


def test_tensor_of_a_grad_tensor_is_a_new_leaf():
    x = ng.tensor([1.0], requires_grad=True)
    y = ng.tensor(x)
    assert not y.requires_grad and y.is_leaf
    assert ng.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("bad, error", [(["a"], TypeError), (None, RuntimeError),
                                        ({"a": 1}, RuntimeError), ([[1, 2], [3]], ValueError),
                                        (2**64, ValueError), ([1, -2**63 - 1], ValueError)])
def test_tensor_rejects_non_numeric_or_ragged_data(bad, error):
    """torch's classes: TypeError for strings, RuntimeError for other non-numbers, ValueError
    for ragged data and ints beyond int64 (which must never wrap around)."""
    with pytest.raises(error):
        ng.tensor(bad)


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3))
    t = ng.from_numpy(a)
    assert t.dtype is ng.float64 and t.shape == (2, 3)
    a[0, 0] = 5
    assert t.numpy()[0, 0] == 5
    t.add_(1)
    assert a[1, 2] == 1 and a[0, 0] == 6
    assert np.shares_memory(t.numpy(), a)


def test_from_numpy_keeps_strided_views():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = ng.from_numpy(a)
    assert t.stride() == (4, 2) and not t.is_contiguous()
    np.testing.assert_array_equal(np.asarray(t * 1), a)


def test_from_numpy_errors():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ng.from_numpy([1, 2])
    with pytest.raises(TypeError, match="uint16"):
        ng.from_numpy(np.zeros(2, np.uint16))
    with pytest.raises(ValueError, match="negative"):
        ng.from_numpy(np.arange(3.0)[::-1])


def test_as_tensor_shares_when_it_can():
    a = np.zeros(3)
    t = ng.as_tensor(a)
    a[1] = 4
    assert t.tolist() == [0.0, 4.0, 0.0]
    c = ng.as_tensor(a, dtype=ng.float32)
    a[2] = 7
    assert c.tolist() == [0.0, 4.0, 0.0]
    x = ng.ones(2)
    assert ng.as_tensor(x) is x
    assert ng.as_tensor([1.0, 2.0]).dtype is ng.float32


@pytest.mark.parametrize("fn,value", [(ng.zeros, 0), (ng.ones, 1)])
def test_constant_fills(fn, value):
    for args in [(2, 3), ((2, 3),), ([2, 3],), (np.int64(2), 3), (ng.tensor(2), 3)]:
        t = fn(*args)
        assert t.shape == (2, 3) and t.dtype is ng.float32
        assert (np.asarray(t) == value).all()
    assert fn(0, 4).shape == (0, 4)
    assert fn(2, dtype=ng.int32).dtype is ng.int32
    assert fn(2, requires_grad=True).requires_grad


def test_empty_and_full():
    assert ng.empty(2, 3).shape == (2, 3)
    assert ng.full((2,), 3).dtype is ng.int64
    assert ng.full((2,), True).dtype is ng.bool
    assert ng.full((2,), 1.5).dtype is ng.float32
    assert ng.full((2, 2), 7.0, dtype=ng.float64).tolist() == [[7.0, 7.0], [7.0, 7.0]]


def test_like_functions_take_shape_and_dtype():
    x = ng.tensor([[1, 2, 3]], dtype=ng.int32)
    for fn in (ng.zeros_like, ng.ones_like, ng.empty_like):
        y = fn(x)
        assert y.shape == (1, 3) and y.dtype is ng.int32
    assert ng.zeros_like(x, dtype=ng.float64).dtype is ng.float64
    assert ng.full_like(x, 2.7).tolist() == [[2, 2, 2]]
    assert ng.ones_like(ng.ones(2), requires_grad=True).requires_grad
    assert not ng.zeros_like(ng.ones(2, requires_grad=True)).requires_grad


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), ((2, 7), {}), ((5, 0, -1), {}), ((0, 1, 0.1), {}), ((1.0, -1.0, -0.5), {}),
    ((2.5,), {}), ((0, 0), {}), ((3,), {"dtype": "float64"}), ((0, 1.0, 0.3), {"dtype": "int32"}),
    ((-3, 3, 2), {}), ((0.0, 1.0, 1 / 3), {}),
])
def test_arange_matches_torch(args, kwargs):
    torch = pytest.importorskip("torch")
    t_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    n_kwargs = {k: getattr(ng, v) for k, v in kwargs.items()}
    expected = torch.arange(*args, **t_kwargs)
    got = ng.arange(*args, **n_kwargs)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(got), expected.numpy(), rtol=1e-6)


def test_arange_dtype_and_errors():
    assert ng.arange(5).dtype is ng.int64
    assert ng.arange(0, 1, 0.25).dtype is ng.float32
    assert ng.arange(ng.tensor(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ng.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent"):
        ng.arange(0, 5, -1)


def test_linspace_and_eye():
    np.testing.assert_allclose(np.asarray(ng.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1])
    assert ng.linspace(0, 1, 1).tolist() == [0.0]
    assert ng.linspace(0, 1, 0).shape == (0,)
    assert ng.linspace(0, 1, 3).dtype is ng.float32
    assert ng.linspace(0, 10, 4, dtype=ng.int64).tolist() == [0, 3, 6, 10]
    with pytest.raises(RuntimeError, match="non-negative"):
        ng.linspace(0, 1, -1)
    assert ng.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert ng.eye(2).dtype is ng.float32 and ng.eye(2, dtype=ng.int64).dtype is ng.int64
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0"):
        ng.eye(-1)


@pytest.mark.parametrize("make", [
    lambda g: ng.randn(3, 4, generator=g), lambda g: ng.rand(5, generator=g),
    lambda g: ng.randint(0, 10, (6,), generator=g), lambda g: ng.randperm(7, generator=g),
    lambda g: ng.normal(1.0, 2.0, (4,), generator=g),
    lambda g: ng.empty(5).uniform_(-1, 1, generator=g),
    lambda g: ng.empty(5).normal_(0, 3, generator=g),
])
def test_random_streams_are_reproducible(make):
    g = ng.Generator().manual_seed(123)
    first = make(g).tolist()
    g.manual_seed(123)
    assert make(g).tolist() == first
    ng.manual_seed(7)
    a = make(None).tolist()
    ng.manual_seed(7)
    assert make(None).tolist() == a
    assert make(None).tolist() != a or len(a) < 2


def test_generator_is_independent_of_the_default_stream():
    ng.manual_seed(0)
    a = ng.rand(3).tolist()
    ng.manual_seed(0)
    ng.rand(2, generator=ng.Generator().manual_seed(5))
    assert ng.rand(3).tolist() == a
    g = ng.Generator().manual_seed(9)
    state = g.get_state()
    x = ng.rand(3, generator=g).tolist()
    g.set_state(state)
    assert ng.rand(3, generator=g).tolist() == x
    assert g.initial_seed() == 9


def test_random_values_have_the_right_ranges_and_dtypes():
    ng.manual_seed(0)
    r = np.asarray(ng.rand(1000))
    assert r.dtype == np.float32 and r.min() >= 0 and r.max() < 1
    n = np.asarray(ng.randn(4000, dtype=ng.float64))
    assert n.dtype == np.float64 and abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    i = ng.randint(3, 6, (500,))
    assert i.dtype is ng.int64 and set(i.tolist()) == {3, 4, 5}
    assert ng.randint(4, (3,)).shape == (3,)
    assert ng.randint(3, size=(2, 2)).shape == (2, 2)
    assert sorted(ng.randperm(10).tolist()) == list(range(10))
    assert ng.randperm(0).dtype is ng.int64
    u = np.asarray(ng.empty(1000).uniform_(2, 3))
    assert u.min() >= 2 and u.max() < 3
    m = np.asarray(ng.normal(5.0, 0.5, (4000,)))
    assert abs(m.mean() - 5) < 0.05


def test_random_errors():
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        ng.randint(5, 5, (3,))
    with pytest.raises(RuntimeError, match="negative dimension"):
        ng.randperm(-1)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        ng.normal(0.0, -1.0, (2,))
    with pytest.raises(NotImplementedError, match="Long"):
        ng.randn(2, dtype=ng.int64)
    with pytest.raises(NotImplementedError, match="Long"):
        ng.rand(2, dtype=ng.int64)


def _same(torch, make):
    """``make(lib)`` for torch and numbagrad: the same dtype, shape and values, or the same
    exception class."""
    try:
        expected = make(torch)
    except Exception as e:  # noqa: BLE001 - the class is compared
        with pytest.raises(type(e)):
            make(ng)
        return
    got = make(ng)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.requires_grad == expected.requires_grad
    np.testing.assert_allclose(np.asarray(got, np.float64), expected.double().detach().numpy(),
                               rtol=1e-6, atol=1e-7)


NESTED = {
    "0-d tensors and numbers": lambda L: [L.tensor(1.0), 2],
    "1-element tensors": lambda L: [L.tensor([1]), L.tensor([2])],
    "nested 0-d": lambda L: [[L.tensor(1), 2], [3, L.tensor(4.0)]],
    "int8 with int": lambda L: [L.tensor(1, dtype=L.int8), 2],
    "int8 with int8": lambda L: [L.tensor(1, dtype=L.int8), L.tensor(2, dtype=L.int8)],
    "uint8 with int8": lambda L: [L.tensor(1, dtype=L.uint8), L.tensor(1, dtype=L.int8)],
    "float16 with int": lambda L: [L.tensor(1.0, dtype=L.float16), 2],
    "float16 with float": lambda L: [L.tensor(1.0, dtype=L.float16), 2.5],
    "bool tensor with int": lambda L: [L.tensor(True), 2],
    "float64 tensor with float": lambda L: [L.tensor(1.0, dtype=L.float64), 2.0],
    "n-d float tensors": lambda L: [L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])],
    "n-d int tensors": lambda L: [L.tensor([1, 2]), L.tensor([3, 4])],
    "n-d tensor and list": lambda L: [L.tensor([1.0, 2.0]), [3.0, 4.0]],
    "numpy arrays in a list": lambda L: [np.array([1, 2], np.int16), [3, 4]],
    "numpy scalars": lambda L: [np.int16(3), np.int16(4)],
    "empty nested": lambda L: [[], []],
    "ragged": lambda L: [[1, 2], [3]],
    "tensor of int8 tensor": lambda L: L.tensor([1, 2], dtype=L.int8),
}


@pytest.mark.filterwarnings("ignore:.*(extremely slow|copy construct):UserWarning")
@pytest.mark.parametrize("name", list(NESTED))
def test_tensor_from_nested_data_matches_torch(name):
    torch = pytest.importorskip("torch")
    _same(torch, lambda L: L.tensor(NESTED[name](L)))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "float16", "float64", "bool"])
def test_tensor_with_dtype_device_requires_grad(dtype):
    torch = pytest.importorskip("torch")
    for grad in (False, True):
        _same(torch, lambda L: L.tensor([[1.5, 2], [L.tensor(3), 4]],
                                        dtype=getattr(L, dtype), device="cpu",
                                        requires_grad=grad))


RANGES = [
    ("arange", (5,), {}), ("arange", (1, 4, 0.5), {}), ("arange", (5, 0, -1), {}),
    ("arange", (0.0, 1, 0.1), {}), ("arange", (-1, 1, 0.1), {}), ("arange", (1, 2.5, 0.3), {}),
    ("arange", (10, -3, -0.7), {}), ("arange", (0.5, 5.6), {"dtype": "int64"}),
    ("arange", (0.5, 5.6), {"dtype": "int32"}), ("arange", (0, 5, 1.5), {"dtype": "uint8"}),
    ("arange", (0, 5, 0.5), {"dtype": "int64"}), ("arange", (0, 2.5, 0.5), {"dtype": "float16"}),
    ("arange", (0, 10, 3), {"dtype": "int16"}), ("arange", (5,), {"dtype": "bool"}),
    ("arange", (1, 1), {}), ("arange", (0, float("inf")), {}), ("arange", (1, 4, 0), {}),
    ("arange", (4, 1, 1), {}), ("arange", (True,), {}),
    ("arange", (), {"start": 1, "end": 4}), ("arange", (), {"end": 4}),
    ("arange", (1.0, 10, 3), {"requires_grad": True}),
    ("arange", (1, 10, 3), {"requires_grad": True}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0, 10, 5), {"dtype": "int64"}),
    ("linspace", (3, 10, 1), {}), ("linspace", (0, 1, 0), {}), ("linspace", (0, 1, -1), {}),
    ("linspace", (-10, 10, 5), {"dtype": "int32"}), ("linspace", (1, 0, 5), {"dtype": "uint8"}),
    ("linspace", (0.0, 1.0, 5), {"dtype": "float16"}), ("linspace", (-2.5, 7.25, 11), {}),
    ("linspace", (0, 1, 7), {"dtype": "float64", "requires_grad": True}),
    ("linspace", (0, 1, 2.0), {}),
    ("logspace", (-10, 10, 5), {}), ("logspace", (0.1, 1.0, 3), {"base": 2}),
    ("logspace", (0, 2, 3), {"dtype": "int64"}), ("logspace", (0, 1, 1), {}),
    ("logspace", (0, 3, 4), {"base": 10, "dtype": "int32"}),
    ("logspace", (-1, 2, 6), {"dtype": "float64"}),
    ("linspace", (-2.5, 7, 3), {"dtype": "uint8"}), ("linspace", (0, 1e6, 3), {"dtype": "float16"}),
    ("linspace", (-10, 10, 5), {"dtype": "uint8"}), ("linspace", (0, 300, 3), {"dtype": "int8"}),
    ("linspace", (0, 1, 1), {"dtype": "bool"}), ("linspace", (0, 1, 3), {"dtype": "bool"}),
    ("logspace", (1, 0, 5), {"dtype": "uint8"}), ("logspace", (0, 1, 3), {"dtype": "bool"}),
    ("logspace", (0, 3, 4), {"base": -2.0}), ("logspace", (0, 1e6, 3), {"dtype": "float16"}),
]


@pytest.mark.parametrize("fn,args,kwargs", RANGES, ids=[f"{f}{a}{k}" for f, a, k in RANGES])
def test_ranges_match_torch(fn, args, kwargs):
    torch = pytest.importorskip("torch")

    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return getattr(L, fn)(*args, **kw)
    _same(torch, make)


def test_ranges_take_tensors_and_out():
    torch = pytest.importorskip("torch")
    _same(torch, lambda L: L.arange(L.tensor(3.0)))
    _same(torch, lambda L: L.linspace(L.tensor(0.0), L.tensor(1.0), 3))
    for fn, args in (("arange", (3,)), ("arange", (0.0, 1, 0.25)), ("linspace", (0, 1, 4)),
                     ("logspace", (0, 2, 3))):
        for dtype in ("int32", "float64"):
            out_t = torch.empty(0, dtype=getattr(torch, dtype))
            out_n = ng.empty(0, dtype=getattr(ng, dtype))
            t = getattr(torch, fn)(*args, out=out_t)
            n = getattr(ng, fn)(*args, out=out_n)
            assert n is out_n and n.dtype is getattr(ng, dtype)
            assert n.tolist() == t.tolist()
    with pytest.warns(UserWarning, match="resized"):
        assert ng.zeros(2, 2, out=ng.empty(4)).shape == (2, 2)


def test_size_keyword_and_sequence_forms():
    for fn in (ng.zeros, ng.ones, ng.empty, ng.rand, ng.randn):
        for t in (fn(size=(2, 3)), fn((2, 3)), fn([2, 3]), fn(2, 3), fn(ng.Size([2, 3]))):
            assert t.shape == (2, 3)
        with pytest.raises(TypeError, match="multiple values for argument 'size'"):
            fn(2, size=(2, 3))
    assert ng.zeros(size=[2], dtype=ng.int8).dtype is ng.int8


STORED = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", STORED)
def test_like_functions_on_every_dtype(dtype):
    torch = pytest.importorskip("torch")

    def source(L):
        return L.tensor([[1, 0, 1]], dtype=getattr(L, dtype))
    for fn in ("zeros_like", "ones_like"):
        _same(torch, lambda L: getattr(L, fn)(source(L)))
    _same(torch, lambda L: L.full_like(source(L), 2.7))
    _same(torch, lambda L: L.full_like(source(L), True))
    assert ng.empty_like(source(ng)).dtype is getattr(ng, dtype)
    for fn in ("rand_like", "randn_like"):
        try:
            expected = getattr(torch, fn)(source(torch))
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                getattr(ng, fn)(source(ng))
        else:
            got = getattr(ng, fn)(source(ng))
            assert got.dtype.name == str(expected.dtype)[6:] and got.shape == (1, 3)
    if dtype != "bool":
        r = ng.randint_like(source(ng), 5)
        assert r.dtype is getattr(ng, dtype) and set(r.tolist()[0]) <= {0, 1, 2, 3, 4}
        r = ng.randint_like(source(ng), 3, 5)
        assert set(r.tolist()[0]) <= {3, 4}
    assert ng.rand_like(source(ng), dtype=ng.float64).dtype is ng.float64


def test_like_functions_errors():
    with pytest.raises(NotImplementedError, match="Long"):
        ng.rand_like(ng.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        ng.randint_like(ng.zeros(2), 5, 5)
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        ng.zeros_like([1, 2])
    assert ng.randn_like(ng.zeros(2), requires_grad=True).requires_grad


def test_new_methods_take_dtype_and_device_from_self():
    torch = pytest.importorskip("torch")
    for dtype in ("int8", "float16", "float64"):
        def base(L):
            return L.tensor([1, 2], dtype=getattr(L, dtype))
        _same(torch, lambda L: base(L).new_zeros(2, 3))
        _same(torch, lambda L: base(L).new_zeros((2, 3)))
        _same(torch, lambda L: base(L).new_ones([3]))
        _same(torch, lambda L: base(L).new_full((2,), 3.7))
        _same(torch, lambda L: base(L).new_tensor([1.5, 2.5]))
        _same(torch, lambda L: base(L).new_tensor([1, 2], dtype=L.float32))
        _same(torch, lambda L: base(L).new_zeros(2, dtype=L.int16))
        assert ng.tensor([1.0]).new_empty(2, 2).shape == (2, 2)
    assert ng.tensor([1.0]).new_ones(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("data,dtype", [
    ([300], "int8"), ([-1], "uint8"), ([300.5], "uint8"), ([1e6], "float16"), ([-129], "int8"),
    ([[1, 2], [3, 127]], "int8"), ([-255], "uint8"), ([-256], "uint8"), ([40000], "int16"),
    ([1.5, -2.7], "int64"),
])
def test_python_numbers_into_small_types_match_torch(data, dtype):
    torch = pytest.importorskip("torch")
    _same(torch, lambda L: L.tensor(data, dtype=getattr(L, dtype)))
    if np.array(data).dtype.kind == "i":  # arrays wrap (out-of-range floats are undefined)
        _same(torch, lambda L: L.tensor(np.array(data), dtype=getattr(L, dtype)))


EXACT = [(-1, 1, 0.1), (0.3, 7.1, 0.37), (-3.3, 5, 0.11), (10, -3, -0.7), (0, 100, 0.013)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_ranges_are_bitwise_torchs(dtype):
    """The values of torch's CPU kernels, not just close ones (``arange(-1, 1, 0.1)[10]`` is
    -2.98e-09 in float32, as torch's 256-bit vector loop gives)."""
    torch = pytest.importorskip("torch")
    if torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        pytest.skip("torch's vector width on this CPU is not the one modelled")
    t_dtype, n_dtype = getattr(torch, dtype), getattr(ng, dtype)
    for start, end, step in EXACT:
        np.testing.assert_array_equal(ng.arange(start, end, step, dtype=n_dtype).numpy(),
                                      torch.arange(start, end, step, dtype=t_dtype).numpy())
        steps = int(abs(end - start) / abs(step))
        np.testing.assert_array_equal(ng.linspace(start, end, steps, dtype=n_dtype).numpy(),
                                      torch.linspace(start, end, steps, dtype=t_dtype).numpy())
        np.testing.assert_array_equal(
            ng.logspace(start / 4, end / 4, 37, base=2, dtype=n_dtype).numpy(),
            torch.logspace(start / 4, end / 4, 37, base=2, dtype=t_dtype).numpy())


@pytest.mark.parametrize("value,dtype", [
    (300, "uint8"), (-1, "uint8"), (1e6, "float16"), (-2.5, "uint8"), (2.7, "int8"),
    (float("inf"), "int32"), (float("nan"), "int64"), (float("inf"), "float16"), (-129, "int8"),
    (40000, "int16"), (True, "uint8"), (2, "bool"),
])
def test_fill_values_match_torch(value, dtype):
    torch = pytest.importorskip("torch")
    _same(torch, lambda L: L.full((2,), value, dtype=getattr(L, dtype)))
    _same(torch, lambda L: L.full_like(L.zeros(2, dtype=getattr(L, dtype)), value))
    _same(torch, lambda L: L.zeros(2, dtype=getattr(L, dtype)).fill_(value))
