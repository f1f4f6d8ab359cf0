"""Bitwise and logical ops, predicates, comparisons and Python's conversions against torch:
values and result dtypes over the integer and bool types, special values, errors, ``out=`` and
the in-place forms."""
import math
import operator

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

INTS = [n for n in ("int32", "int64", "int16", "int8", "uint8") if hasattr(ng, n)]
INTEGRAL = INTS + ["bool"]
SPECIAL = [0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan, 3e38]


def _share(ops: list, op: str) -> list:
    """The integral dtypes that ``op`` is tested on: each op of ``ops`` takes its share, so that
    every dtype meets some op and every op some dtypes, at a fraction of the kernels to compile."""
    k = list(ops).index(op)
    return INTEGRAL[k % len(ops)::len(ops)] or [INTEGRAL[k % len(INTEGRAL)]]


def _values(name: str) -> list:
    if name == "bool":
        return [True, False, True, False, True, True]
    info = np.iinfo(name)
    return [int(v) for v in (info.min, info.min + 1, -2, -1, 0, 1, 5, info.max) if info.min <= v]


def _pair(values, name: str):
    """The same values as a numbagrad and a torch tensor of dtype ``name``."""
    array = np.array(values, dtype=np.dtype(name))
    return ng.from_numpy(array.copy()), torch.from_numpy(array.copy())


def _same(got, expected) -> None:
    assert isinstance(got, ng.Tensor), type(got)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch."), (got, expected)
    np.testing.assert_array_equal(np.asarray(got), expected.numpy())


def _raises(fn, *args, **kwargs):
    """The class and message of what ``fn`` raises (torch's or numbagrad's)."""
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return type(info.value), str(info.value)


def _same_error(ng_call, torch_call, match_message: bool = True) -> None:
    got, expected = _raises(ng_call), _raises(torch_call)
    assert got[0] is expected[0], (got, expected)
    if match_message and "invalid combination" in expected[1]:
        # torch's list of signatures that did not match is not reproduced: the first line is
        assert got[1].split("\n")[0] == expected[1].split("\n")[0], (got, expected)
    elif match_message:
        assert got[1] == expected[1], (got, expected)


# ---------------------------------------------------------------------------- bitwise


BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]
IN_PLACE_OPERATORS = {"bitwise_and": operator.iand, "bitwise_or": operator.ior,
                      "bitwise_xor": operator.ixor, "bitwise_left_shift": operator.ilshift,
                      "bitwise_right_shift": operator.irshift}
OPERATORS = {"bitwise_and": operator.and_, "bitwise_or": operator.or_,
             "bitwise_xor": operator.xor, "bitwise_left_shift": operator.lshift,
             "bitwise_right_shift": operator.rshift}


@pytest.mark.parametrize("name", INTEGRAL)
@pytest.mark.parametrize("op", BITWISE)
def test_bitwise_matches_torch(op, name):
    a, ta = _pair(_values(name), name)
    b, tb = _pair(_values(name)[::-1], name)
    _same(getattr(ng, op)(a, b), getattr(torch, op)(ta, tb))
    _same(getattr(a, op)(b[:1]), getattr(ta, op)(tb[:1]))  # method, broadcast
    apply = OPERATORS[op]
    for number in (True, 3, -7, 2 ** 40):
        _same(apply(a, number), apply(ta, number))
        _same(apply(number, a), apply(number, ta))  # reflected


@pytest.mark.parametrize("name", INTS)
@pytest.mark.parametrize("op", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts_match_torch_for_every_count(op, name):
    """Negative counts and counts past the bit width give 0 or the sign fill, as torch."""
    counts = [-100, -65, -64, -9, -1, 0, 1, 3, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100]
    values = _values(name)
    a, ta = _pair([v for v in values for _ in counts], name)
    c, tc = _pair([k for _ in values for k in counts], "int64")
    _same(getattr(ng, op)(a, c), getattr(torch, op)(ta, tc))  # promoted to int64
    b, tb = _pair(np.array([k for _ in values for k in counts]).astype(name), name)
    _same(getattr(ng, op)(a, b), getattr(torch, op)(ta, tb))  # the count in the same dtype
    apply = OPERATORS[op]
    for k in counts:
        _same(apply(a, k), apply(ta, k))
    _same(apply(5, c), apply(5, tc))


def test_bitwise_not_matches_torch():
    for name in INTEGRAL:
        a, ta = _pair(_values(name), name)
        _same(~a, ~ta)
        _same(ng.bitwise_not(a), torch.bitwise_not(ta))
        _same(a.bitwise_not(), ta.bitwise_not())


@pytest.mark.parametrize("left,right", [("int32", "int64"), ("bool", "int32"), ("int8", "uint8"),
                                        ("int16", "int8"), ("uint8", "bool")])
def test_bitwise_promotes_as_torch(left, right):
    if not hasattr(ng, left) or not hasattr(ng, right):
        pytest.skip("dtype not available")
    a, ta = _pair(_values(left)[:4], left)
    b, tb = _pair(_values(right)[-4:], right)
    for op in BITWISE:
        _same(getattr(ng, op)(a, b), getattr(torch, op)(ta, tb))
    if "bool" not in (left, right):
        _same(a >> b, ta >> tb)
    zero_d, t_zero_d = _pair(np.array(3), right)
    _same(a & zero_d, ta & t_zero_d)  # a 0-d tensor does not promote a dimensioned one


def test_numbers_wrap_into_the_integer_dtype():
    a, ta = _pair([1, -2, 3], "int32")
    for number in (2 ** 40, 2 ** 40 + 5, -2 ** 63, 2 ** 63, 2 ** 64 - 1):
        _same(a & number, ta & number)
        _same(a < number, ta < number)
        _same(ng.eq(a, number), torch.eq(ta, number))
    if "uint8" in INTS:
        u, tu = _pair([200, 3], "uint8")
        _same(u & 300, tu & 300)
        _same(u ^ -1, tu ^ -1)
    for number in (2 ** 64, -2 ** 63 - 1):
        _same_error(lambda: a & number, lambda: ta & number)
        _same_error(lambda: a == number, lambda: ta == number)


@pytest.mark.parametrize("op", BITWISE + ["bitwise_left_shift", "bitwise_right_shift"])
def test_bitwise_errors_as_torch(op):
    i, ti = _pair([1, 2], "int64")
    f, tf = ng.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    b, tb = _pair([True, False], "bool")
    fn, tfn = getattr(ng, op), getattr(torch, op)
    _same_error(lambda: fn(f, i), lambda: tfn(tf, ti))
    _same_error(lambda: fn(i, 1.5), lambda: tfn(ti, 1.5))
    _same_error(lambda: fn(1, 2), lambda: tfn(1, 2))
    _same_error(lambda: fn(i, None), lambda: tfn(ti, None))
    _same_error(lambda: fn(i, i, out=ng.empty(2, dtype=ng.bool)),
                lambda: tfn(ti, ti, out=torch.empty(2, dtype=torch.bool)))
    if "shift" in op:
        _same_error(lambda: fn(b, b), lambda: tfn(tb, tb))
        _same_error(lambda: fn(b, True), lambda: tfn(tb, True))
    _same_error(lambda: OPERATORS[op](i, "x"), lambda: OPERATORS[op](ti, "x"))


def test_bitwise_not_errors_as_torch():
    f, tf = ng.tensor([1.5]), torch.tensor([1.5])
    i, ti = _pair([1, 2], "int64")
    _same_error(lambda: ~f, lambda: ~tf)
    _same_error(lambda: ng.bitwise_not(f), lambda: torch.bitwise_not(tf))
    _same_error(lambda: ng.bitwise_not(1), lambda: torch.bitwise_not(1))
    _same_error(lambda: ng.bitwise_not(i, out=ng.empty(2)),
                lambda: torch.bitwise_not(ti, out=torch.empty(2)))


@pytest.mark.parametrize("op", BITWISE + ["bitwise_left_shift", "bitwise_right_shift"])
def test_bitwise_out_and_in_place_as_torch(op):
    a, ta = _pair([5, -6, 7], "int64")
    b, tb = _pair([1, 2, 3], "int32")
    fn, tfn = getattr(ng, op), getattr(torch, op)
    for out_dtype in ("float32", "int32", "int64"):
        out = ng.empty(3, dtype=getattr(ng, out_dtype))
        tout = torch.empty(3, dtype=getattr(torch, out_dtype))
        assert fn(a, b, out=out) is out
        tfn(ta, tb, out=tout)
        _same(out, tout)
    x, tx = b.clone(), tb.clone()
    assert getattr(x, op + "_")(a) is x  # the int64 result written into int32
    getattr(tx, op + "_")(ta)
    _same(x, tx)
    y, ty = b.clone(), tb.clone()
    assert IN_PLACE_OPERATORS[op](y, 2) is y
    _same(y, IN_PLACE_OPERATORS[op](ty, 2))
    flags, t_flags = _pair([True, False, True], "bool")
    _same_error(lambda: getattr(flags, op + "_")(b), lambda: getattr(t_flags, op + "_")(tb),
                match_message=False)
    _same_error(lambda: getattr(b, op + "_")(1.5), lambda: getattr(tb, op + "_")(1.5))


def test_bool_bitwise_in_place_keeps_bool():
    a, ta = _pair([True, False, True, False], "bool")
    b, tb = _pair([True, True, False, False], "bool")
    for op in ("__iand__", "__ior__", "__ixor__"):
        x, tx = a.clone(), ta.clone()
        _same(getattr(x, op)(b), getattr(tx, op)(tb))
    _same(a.clone().bitwise_not_(), ta.clone().bitwise_not_())
    x, tx = _pair([1, -2], "int32")
    _same(x.bitwise_not_(), tx.bitwise_not_())


# ---------------------------------------------------------------------------- logical


LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("op", LOGICAL)
def test_logical_ops_match_torch(op):
    f, tf = _pair(SPECIAL, "float32")
    g, tg = _pair(SPECIAL[::-1], "float64")
    _same(getattr(ng, op)(f, g), getattr(torch, op)(tf, tg))
    for name in _share(LOGICAL, op):
        a, ta = _pair(_values(name)[:6], name)
        _same(getattr(ng, op)(a, f[:6]), getattr(torch, op)(ta, tf[:6]))
        _same(getattr(a, op)(a[:1]), getattr(ta, op)(ta[:1]))
    out, tout = ng.empty(8, dtype=ng.int32), torch.empty(8, dtype=torch.int32)
    getattr(ng, op)(f, g, out=out)
    getattr(torch, op)(tf, tg, out=tout)
    _same(out, tout)
    x, tx = f.clone(), tf.clone()
    _same(getattr(x, op + "_")(g), getattr(tx, op + "_")(tg))
    _same_error(lambda: getattr(ng, op)(f, 1), lambda: getattr(torch, op)(tf, 1))
    _same_error(lambda: getattr(ng, op)(1, f), lambda: getattr(torch, op)(1, tf))


def test_logical_not_matches_torch():
    f, tf = _pair(SPECIAL, "float32")
    _same(ng.logical_not(f), torch.logical_not(tf))
    for name in INTEGRAL:
        a, ta = _pair(_values(name), name)
        _same(a.logical_not(), ta.logical_not())
        _same(a.clone().logical_not_(), ta.clone().logical_not_())
    out, tout = ng.empty(8), torch.empty(8)
    _same(ng.logical_not(f, out=out), torch.logical_not(tf, out=tout))
    _same_error(lambda: ng.logical_not(1), lambda: torch.logical_not(1))


# ---------------------------------------------------------------------------- predicates


PREDICATES = ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal"]


@pytest.mark.parametrize("op", PREDICATES)
def test_predicates_match_torch(op):
    for name in ("float32", "float64"):
        f, tf = _pair(SPECIAL, name)
        _same(getattr(ng, op)(f), getattr(torch, op)(tf))
        _same(getattr(f, op)(), getattr(tf, op)())
        _same(getattr(ng, op)(f.reshape(2, 4).t()), getattr(torch, op)(tf.reshape(2, 4).t()))
    for name in INTEGRAL:
        a, ta = _pair(_values(name), name)
        _same(getattr(ng, op)(a), getattr(torch, op)(ta))
    _same(getattr(ng, op)(ng.ones(0, 2)), getattr(torch, op)(torch.ones(0, 2)))
    _same_error(lambda: getattr(ng, op)(1.0), lambda: getattr(torch, op)(1.0))


@pytest.mark.parametrize("op", ["isposinf", "isneginf"])
def test_infinity_tests_take_a_bool_out(op):
    f, tf = _pair(SPECIAL, "float32")
    out, tout = ng.empty(8, dtype=ng.bool), torch.empty(8, dtype=torch.bool)
    assert getattr(ng, op)(f, out=out) is out
    _same(out, getattr(torch, op)(tf, out=tout))
    _same_error(lambda: getattr(ng, op)(f, out=ng.empty(8)),
                lambda: getattr(torch, op)(tf, out=torch.empty(8)))


def test_predicates_of_float16():
    if not hasattr(ng, "float16"):
        pytest.skip("float16 not available")
    f, tf = _pair([1.0, math.inf, -math.inf, math.nan, 65504.0], "float16")
    for op in PREDICATES:
        _same(getattr(ng, op)(f), getattr(torch, op)(tf))


def test_isclose_matches_torch():
    a_values = [1.0, 1.0, 100.0, math.inf, math.inf, -math.inf, math.nan, 0.0, 1e-9, -0.0]
    b_values = [1.0 + 1e-6, 1.1, 100.001, math.inf, -math.inf, -math.inf, math.nan, 1e-9, 0.0, 0.0]
    for name in ("float32", "float64"):
        a, ta = _pair(a_values, name)
        b, tb = _pair(b_values, name)
        for kwargs in ({}, {"equal_nan": True}, {"rtol": 0, "atol": 0}, {"rtol": 0.1},
                       {"atol": 1e-3, "rtol": 0}, {"rtol": 0, "atol": 0, "equal_nan": True}):
            _same(ng.isclose(a, b, **kwargs), torch.isclose(ta, tb, **kwargs))
            _same(a.isclose(b, **kwargs), ta.isclose(tb, **kwargs))
            assert ng.allclose(a, b, **kwargs) == torch.allclose(ta, tb, **kwargs)
            assert a.allclose(a, **kwargs) == ta.allclose(ta, **kwargs)
        _same(ng.isclose(a, b[:1]), torch.isclose(ta, tb[:1]))  # broadcast
    for name in ("int64", "bool", INTS[-1]):
        a, ta = _pair(_values(name), name)
        b, tb = _pair(_values(name)[::-1], name)
        for kwargs in ({}, {"rtol": 0.5, "atol": 1}, {"rtol": 0, "atol": 0}):
            _same(ng.isclose(a, b, **kwargs), torch.isclose(ta, tb, **kwargs))
            _same(ng.isclose(a, a, **kwargs), torch.isclose(ta, ta, **kwargs))
    # int64 values one apart that the default float dtype cannot tell apart
    a, ta = _pair([2 ** 40, 2 ** 40 + 1], "int64")
    b, tb = _pair([2 ** 40 + 1, 2 ** 40 + 1], "int64")
    for kwargs in ({}, {"rtol": 0, "atol": 0}):
        _same(ng.isclose(a, b, **kwargs), torch.isclose(ta, tb, **kwargs))


def test_isclose_errors_as_torch():
    f, tf = _pair([1.0, 2.0], "float32")
    d, td = _pair([1.0, 2.0], "float64")
    i, ti = _pair([1, 2], "int64")
    b, tb = _pair([True, False], "bool")
    for fn in ("isclose", "allclose"):
        ng_fn, torch_fn = getattr(ng, fn), getattr(torch, fn)
        _same_error(lambda: ng_fn(f, d), lambda: torch_fn(tf, td))
        _same_error(lambda: ng_fn(i, f), lambda: torch_fn(ti, tf))
        _same_error(lambda: ng_fn(b, i), lambda: torch_fn(tb, ti))
        _same_error(lambda: ng_fn(f, f, rtol=-1), lambda: torch_fn(tf, tf, rtol=-1))
        _same_error(lambda: ng_fn(f, f, atol=-0.5), lambda: torch_fn(tf, tf, atol=-0.5))
        _same_error(lambda: ng_fn(f, 1.0), lambda: torch_fn(tf, 1.0))
        _same_error(lambda: ng_fn(f, ng.ones(3)), lambda: torch_fn(tf, torch.ones(3)),
                    match_message=False)


def test_equal_matches_torch():
    f, tf = _pair(SPECIAL, "float32")
    cases = [(f, f, tf, tf), (f[:6], f[:6].double(), tf[:6], tf[:6].double()),
             (ng.ones(3), ng.ones(1), torch.ones(3), torch.ones(1)),
             (ng.ones(0), ng.ones(0), torch.ones(0), torch.ones(0)),
             (ng.ones(0), ng.ones(0, 2), torch.ones(0), torch.ones(0, 2)),
             (ng.tensor([0.0]), ng.tensor([-0.0]), torch.tensor([0.0]), torch.tensor([-0.0])),
             (ng.tensor([1, 0]), ng.tensor([True, False]), torch.tensor([1, 0]),
              torch.tensor([True, False])),
             (ng.tensor([1, 2]), ng.tensor([1, 3]), torch.tensor([1, 2]), torch.tensor([1, 3]))]
    for a, b, ta, tb in cases:
        assert ng.equal(a, b) is torch.equal(ta, tb)
        assert a.equal(b) is ta.equal(tb)
    _same_error(lambda: ng.equal(f, 1), lambda: torch.equal(tf, 1))


def test_type_predicates_match_torch():
    i, ti = _pair([1, 2], "int32")
    f, tf = _pair([[1.0]], "float64")
    p, tp = ng.nn.Parameter(ng.ones(2)), torch.nn.Parameter(torch.ones(2))
    for obj, t_obj in ((i, ti), (f, tf), (p, tp), (1, 1), ([1.0], [1.0]), (None, None)):
        assert ng.is_tensor(obj) is torch.is_tensor(t_obj)
    for x, tx in ((i, ti), (f, tf), (p, tp)):
        assert ng.is_floating_point(x) is torch.is_floating_point(tx)
        assert ng.numel(x) == torch.numel(tx)
    for fn in ("is_floating_point", "numel", "is_nonzero"):
        _same_error(lambda: getattr(ng, fn)(1.0), lambda: getattr(torch, fn)(1.0))


def test_is_nonzero_and_bool_match_torch():
    for values in ([1.0], [[0.0]], [math.nan], [-0.0], 0, 3, True, False, [[[False]]]):
        x, tx = ng.tensor(values), torch.tensor(values)
        assert ng.is_nonzero(x) is torch.is_nonzero(tx)
        assert x.is_nonzero() is tx.is_nonzero()
        assert bool(x) is bool(tx)
    for values in ([1, 2], [], [[]]):
        x, tx = ng.tensor(values), torch.tensor(values)
        _same_error(lambda: ng.is_nonzero(x), lambda: torch.is_nonzero(tx))
        _same_error(lambda: bool(x), lambda: bool(tx))


def test_index_matches_torch():
    items = list(range(10))
    for values in (3, [4], True, [[2]]):
        assert items[ng.tensor(values)] == items[torch.tensor(values)]
    assert range(ng.tensor(3)) == range(torch.tensor(3))
    assert hex(ng.tensor(255)) == hex(torch.tensor(255))
    for values in (1.0, [1, 2], [2.0]):
        _same_error(lambda: items[ng.tensor(values)], lambda: items[torch.tensor(values)])
    _same_error(lambda: items[ng.tensor([], dtype=ng.int64)],
                lambda: items[torch.tensor([], dtype=torch.int64)])


def test_format_matches_torch():
    cases = [(1.23456, ".4f"), (1.23456, ""), (0.1, ""), (0.1, "g"), (0.1, ".3e"), (1.5, ">10"),
             (3, "d"), (3, "5d"), (3, ".2f"), (-7, "+"), (True, ""), (True, ">6")]
    for value, spec in cases:
        assert format(ng.tensor(value), spec) == format(torch.tensor(value), spec)
    loss = ng.tensor(0.25, requires_grad=True) * 2
    t_loss = torch.tensor(0.25, requires_grad=True) * 2
    assert f"{loss:.4f}" == f"{t_loss:.4f}" and f"{loss}" == f"{t_loss.item()}"
    for value in ([1.5, 2.0], [1.23456], [[1, 2]]):
        assert format(ng.tensor(value), "") == str(ng.tensor(value))
        assert f"{ng.tensor(value)}" == f"{torch.tensor(value)}".replace("torch.", "numbagrad.")
        _same_error(lambda: format(ng.tensor(value), ".4f"),
                    lambda: format(torch.tensor(value), ".4f"))
    _same_error(lambda: format(ng.tensor(1.5), "d"), lambda: format(torch.tensor(1.5), "d"))


# ---------------------------------------------------------------------------- comparisons


COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
               "greater": ">", "greater_equal": ">=", "less": "<", "less_equal": "<=",
               "not_equal": "!="}


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_match_torch(op):
    f, tf = _pair(SPECIAL, "float32")
    g, tg = _pair(SPECIAL[::-1], "float64")
    _same(getattr(ng, op)(f, g), getattr(torch, op)(tf, tg))
    _same(getattr(f, op)(2.5), getattr(tf, op)(2.5))
    for name in _share(COMPARISONS, op):
        a, ta = _pair(_values(name), name)
        b, tb = _pair(_values(name)[::-1], name)
        _same(getattr(ng, op)(a, b), getattr(torch, op)(ta, tb))
        for number in (0, 1, -1, 2.5, True):
            _same(getattr(ng, op)(a, number), getattr(torch, op)(ta, number))
    out, tout = ng.empty(8, dtype=ng.int32), torch.empty(8, dtype=torch.int32)
    assert getattr(ng, op)(f, g, out=out) is out
    _same(out, getattr(torch, op)(tf, tg, out=tout))
    for name in ("float32", "int64", "bool"):
        x, tx = _pair(_values("int32")[:4], name)
        _same(getattr(x, op + "_")(1), getattr(tx, op + "_")(1))  # written in self's dtype
        x, tx = _pair(_values("int32")[:4], name)
        _same(getattr(x, op + "_")(2.5), getattr(tx, op + "_")(2.5))
    _same_error(lambda: getattr(ng, op)(1, f), lambda: getattr(torch, op)(1, tf))
    _same_error(lambda: getattr(ng, op)(f, [1]), lambda: getattr(torch, op)(tf, [1]))
    _same_error(lambda: getattr(f.clone(), op + "_")(ng.ones(2, 8)),
                lambda: getattr(tf.clone(), op + "_")(torch.ones(2, 8)), match_message=False)


def test_int_against_float_compares_in_float_as_torch():
    a, ta = _pair([2 ** 24 + 1, 3], "int64")
    for number in (float(2 ** 24), 2.5):
        _same(a == number, ta == number)
        _same(a > number, ta > number)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_match_torch(op):
    f, tf = _pair(SPECIAL, "float32")
    g, tg = _pair(SPECIAL[::-1], "float32")
    _same(getattr(ng, op)(f, g), getattr(torch, op)(tf, tg))
    for name in _share(["maximum", "minimum"], op):
        a, ta = _pair(_values(name), name)
        b, tb = _pair(_values(name)[::-1], name)
        _same(getattr(ng, op)(a, b), getattr(torch, op)(ta, tb))
        _same(getattr(a, op)(f[:1]), getattr(ta, op)(tf[:1]))  # promoted
    out, tout = ng.empty(8, dtype=ng.float64), torch.empty(8, dtype=torch.float64)
    assert getattr(ng, op)(f, g, out=out) is out
    _same(out, getattr(torch, op)(tf, tg, out=tout))
    _same_error(lambda: getattr(ng, op)(f, 2), lambda: getattr(torch, op)(tf, 2))
    _same_error(lambda: getattr(ng, op)(2, f), lambda: getattr(torch, op)(2, tf))
