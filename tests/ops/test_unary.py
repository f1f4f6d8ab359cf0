"""Unary math beyond the specs: torch parity on special values (nan, infinities, signed zeros,
poles), integer and bool inputs, gradients at special points, in-place forms, ``out=`` and
errors."""
import math
import warnings

import numpy as np
import pytest
from scipy import special

import numbagrad as ng

FLOAT_OPS = ("sin cos tan asin arcsin acos arccos atan arctan sinh cosh asinh arcsinh acosh "
             "arccosh atanh arctanh exp2 expm1 log2 log10 log1p rsqrt reciprocal erf erfc erfinv "
             "i0 logit deg2rad rad2deg exp log sqrt sigmoid tanh").split()
INT_OPS = ("floor ceil round trunc fix sgn nan_to_num positive absolute abs neg negative sign "
           "square").split()
OPS = FLOAT_OPS + INT_OPS + ["frac", "signbit"]
SPECIAL = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1.5, -2.5, 2.5,
           0.3, -0.7, 0.95, 1e-8, -1e-30, 1e30, 700.0, -3.7, 8.5, 1234.5678]


def _same(got, expected, rtol):
    """Equal up to ``rtol``, with nan where ``expected`` has nan and zeros of the same sign."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    if expected.dtype == np.bool_:
        np.testing.assert_array_equal(got, expected)
        return
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=0, equal_nan=True)
    zero = expected == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(expected[zero]))


@pytest.mark.parametrize("name", OPS)
def test_special_values_match_torch(name):
    torch = pytest.importorskip("torch")
    for dtype, rtol in ((np.float32, 2e-6), (np.float64, 1e-12)):
        x = np.array(SPECIAL, dtype)
        with np.errstate(all="ignore"):
            got = getattr(ng, name)(ng.from_numpy(x))
        _same(got, getattr(torch, name)(torch.from_numpy(x)).numpy(), rtol)


def _outcome(lib, fn):
    try:
        return fn(lib)
    except Exception as err:  # noqa: BLE001 - the class and message are compared
        return type(err).__name__, str(err)


@pytest.mark.parametrize("name", OPS)
def test_integer_and_bool_inputs_match_torch(name):
    torch = pytest.importorskip("torch")
    for values in ([-2, 0, 3, 1], [True, False]):
        got = _outcome(ng, lambda lib: getattr(lib, name)(lib.tensor(values)))
        expected = _outcome(torch, lambda lib: getattr(lib, name)(lib.tensor(values)))
        if isinstance(expected, tuple):
            assert got == expected
        else:
            assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
            np.testing.assert_allclose(np.asarray(got).astype(float),
                                       expected.numpy().astype(float), rtol=1e-6)


GRAD_POINTS = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 0.1, 0.9,
               1e-8, 30.0]
GRAD_CASES = ([(name, {}) for name in FLOAT_OPS + INT_OPS if name != "sgn"]
              + [("frac", {}), ("logit", {"eps": 0.1}), ("logit", {"eps": 0.0}),
                 ("nan_to_num", {"nan": 1.0, "posinf": 2.0}), ("round", {"decimals": 2})])


@pytest.mark.parametrize("name,kwargs", GRAD_CASES,
                         ids=[f"{n}-{k}" if k else n for n, k in GRAD_CASES])
def test_gradients_at_special_points_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (ng, torch):
        x = lib.tensor(GRAD_POINTS, dtype=lib.float64, requires_grad=True)
        getattr(lib, name)(x, **kwargs).sum().backward()
        grads.append(np.asarray(x.grad.detach()))
    _same(*grads, rtol=1e-12)


def test_sgn_and_rounding_have_zero_gradients():
    x = ng.tensor([-1.5, 0.0, 0.5, 2.5], requires_grad=True)
    total = ng.sgn(x) + x.floor() + x.ceil() + x.round() + x.trunc() + x.round(decimals=1)
    total.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.zeros(4))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_with_decimals_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    values = [1.25, 2.675, -0.125, 15.0, 25.0, 35.0, 1234.5678, -0.04, 0.0, -0.0, 0.5, -2.5,
              math.inf, math.nan, 1e20]
    x = np.array(values, dtype)
    for decimals in (-3, -1, 1, 2, 3):
        _same(ng.round(ng.from_numpy(x), decimals=decimals),
              torch.round(torch.from_numpy(x), decimals=decimals).numpy(), rtol=0)


def test_round_is_half_to_even():
    x = ng.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5], dtype=ng.float64)
    np.testing.assert_array_equal(np.asarray(ng.round(x)), [-2, -2, -0.0, 0, 2, 2, 4])
    assert np.signbit(np.asarray(ng.round(x))[2])
    np.testing.assert_array_equal(np.asarray(ng.round(ng.tensor([15, -25]))), [15, -25])
    with pytest.raises(NotImplementedError, match="\"round_cpu\" not implemented for 'Long'"):
        ng.round(ng.tensor([15, -25]), decimals=-1)


def test_erfinv_reaches_float64_accuracy_in_the_tails():
    y = np.array([-1 + 1e-12, -0.999999, -0.7, -0.3, 1e-10, 0.69, 0.71, 0.9999, 1 - 1e-9])
    got = np.asarray(ng.erfinv(ng.from_numpy(y)))
    np.testing.assert_allclose(got, special.erfinv(y), rtol=1e-13)


def test_i0_matches_scipy_and_overflows_where_torch_does():
    x = np.array([-40.0, 0.0, 1e-5, 8.0, 50.0, 300.0, 700.0, 709.7, 709.8, 720.0])
    np.testing.assert_allclose(np.asarray(ng.i0(ng.from_numpy(x))), special.i0(x), rtol=1e-13)
    # torch's i0 is exp(x) times a series: in float32 it overflows with exp(x), past 88.72.
    x32 = ng.tensor([88.0, 88.7, 88.8], requires_grad=True)
    ng.i0(x32).sum().backward()
    assert np.isfinite(np.asarray(ng.i0(x32.detach()))[:2]).all()
    assert np.isinf(np.asarray(ng.i0(x32.detach()))[2]) and np.isinf(np.asarray(x32.grad)[2])


def test_nan_to_num_replacements_and_dtype_limits():
    x = ng.tensor([math.nan, math.inf, -math.inf, 1.5])
    np.testing.assert_array_equal(np.asarray(ng.nan_to_num(x)),
                                  np.array([0, 3.4028235e38, -3.4028235e38, 1.5], np.float32))
    np.testing.assert_array_equal(np.asarray(x.nan_to_num(1.0, 1e300, neginf=-2.0)),
                                  np.array([1, np.inf, -2, 1.5], np.float32))
    np.testing.assert_array_equal(np.asarray(x.nan_to_num(None, None, None))[[0, 3]], [0, 1.5])
    big = np.asarray(ng.nan_to_num(x.double()))
    assert big[1] == np.finfo(np.float64).max and big[2] == np.finfo(np.float64).min


@pytest.mark.parametrize("name", OPS + ["relu"])
def test_non_tensor_argument_is_a_type_error(name):
    with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list$"):
        getattr(ng, name)([1.0])


@pytest.mark.parametrize("name", [n for n in FLOAT_OPS + INT_OPS + ["frac"] if n != "positive"])
def test_in_place_method_matches_the_function_and_records_the_graph(name):
    base = ng.tensor([0.2, 0.45, 0.7], dtype=ng.float64, requires_grad=True)
    expected = getattr(ng, name)(base)
    (g_expected,) = ng.autograd.grad(expected.sum(), base)
    y = base * 1
    assert getattr(y, name + "_")() is y
    np.testing.assert_array_equal(np.asarray(y.detach()), np.asarray(expected.detach()))
    (g,) = ng.autograd.grad(y.sum(), base)
    np.testing.assert_allclose(np.asarray(g), np.asarray(g_expected), rtol=1e-15)


def test_in_place_forms_pass_arguments_and_refuse_leaves_and_float_results_into_integers():
    x = ng.tensor([0.25, 0.5, 0.123])
    x.logit_(0.3).round_(decimals=2)
    np.testing.assert_allclose(np.asarray(x), [-0.85, 0.0, -0.85], rtol=1e-6)
    y = ng.tensor([math.nan, math.inf, 1.0]).nan_to_num_(posinf=3.0)
    np.testing.assert_array_equal(np.asarray(y), [0.0, 3.0, 1.0])
    i = ng.tensor([3, -4])
    np.testing.assert_array_equal(np.asarray(i.floor_().abs_().square_()), [9, 16])
    assert i.dtype is ng.int64
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ng.tensor([1, 2]).sin_()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        ng.tensor([0.5], requires_grad=True).erf_()


def test_out_writes_converts_and_refuses_what_torch_refuses():
    x = ng.tensor([0.5, 2.0])
    out = ng.zeros(2, dtype=ng.float64)
    assert ng.log2(x, out=out) is out
    np.testing.assert_allclose(np.asarray(out), [-1.0, 1.0])
    with pytest.warns(UserWarning, match="was resized since it had shape"):
        assert ng.exp(ng.tensor([0.0]), out=out) is out
    assert tuple(out.shape) == (1,) and float(out) == 1.0
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ng.sin(x, out=ng.zeros(2, dtype=ng.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ng.tanh(ng.tensor([1.0], requires_grad=True), out=ng.zeros(1))
    with pytest.raises(RuntimeError, match="signbit does not support non-boolean outputs"):
        ng.signbit(x, out=ng.zeros(2))
    flags = ng.zeros(2, dtype=ng.bool)
    ng.signbit(ng.tensor([-0.0, 0.0]), out=flags)
    np.testing.assert_array_equal(np.asarray(flags), [True, False])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ng.floor(ng.tensor([1, 2]), out=ng.empty(0, dtype=ng.int64))  # empty: no warning


def test_aliases_methods_and_positive():
    x = ng.tensor([0.25, -0.5])
    for alias, name in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arctanh", "atanh"), ("fix", "trunc"),
                        ("absolute", "abs")):
        np.testing.assert_array_equal(np.asarray(getattr(x, alias)()),
                                      np.asarray(getattr(ng, name)(x)))
    assert ng.positive(x) is x and x.positive() is x and +x is x
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor"):
        ng.tensor([True]).positive()
    assert ng.square(ng.tensor([True, False])).dtype is ng.int64
