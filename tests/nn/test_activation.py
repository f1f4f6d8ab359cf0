"""Activation functions and modules against torch: values and gradients at the kinks, defaults,
reprs, in-place forms, PReLU's parameter, RReLU's random slopes, and the errors torch raises."""
import warnings

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F

# Kinks of every activation (0, +-0.5, +-1, +-3, 6, softplus's 20) and points between them.
KINKS = [-25.0, -6.0, -3.0, -2.5, -1.0, -0.5, -0.2, -0.0, 0.0, 0.2, 0.5, 1.0, 2.5, 3.0, 6.0,
         7.0, 20.0, 25.0]

# (functional name, positional arguments after the input, keyword arguments)
CASES = [
    ("gelu", (), {}), ("gelu", (), {"approximate": "tanh"}), ("silu", (), {}), ("mish", (), {}),
    ("elu", (), {}), ("elu", (2.0,), {}), ("celu", (), {}), ("celu", (2.0,), {}),
    ("selu", (), {}), ("softplus", (), {}), ("softplus", (2.0, 5.0), {}), ("softsign", (), {}),
    ("hardtanh", (), {}), ("hardtanh", (-2.0, 3.0), {}), ("relu6", (), {}),
    ("hardsigmoid", (), {}), ("hardswish", (), {}), ("logsigmoid", (), {}),
    ("tanhshrink", (), {}), ("hardshrink", (), {}), ("hardshrink", (1.0,), {}),
    ("softshrink", (), {}), ("softshrink", (1.0,), {}), ("threshold", (1.0, 5.0), {}),
    ("threshold", (-0.5, 0.0), {}), ("rrelu", (), {}), ("rrelu", (0.1, 0.5), {}),
    ("glu", (), {}), ("glu", (0,), {}), ("softmin", (0,), {}),
]


def _ids(case):
    name, args, kwargs = case
    return name + "".join(f"-{a}" for a in (*args, *kwargs.values()))


def _run(lib, case, values, dtype):
    name, args, kwargs = case
    x = lib.tensor(values, dtype=dtype, requires_grad=True)
    y = getattr(lib.nn.functional, name)(x, *args, **kwargs)
    y.backward(lib.linspace(0.5, 2.0, y.numel(), dtype=dtype).reshape(tuple(y.shape)))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_values_and_gradients_match_torch_at_the_kinks(case):
    torch = pytest.importorskip("torch")
    # float32: torch rounds each step to float32, the formulas round once at the end.
    for lib_dtype, torch_dtype, rtol, atol in ((ng.float64, torch.float64, 1e-12, 1e-14),
                                               (ng.float32, torch.float32, 2e-6, 1e-6)):
        values = KINKS if case[0] != "glu" or case[1] == () else [KINKS[:9], KINKS[9:]]
        got, got_grad = _run(ng, case, values, lib_dtype)
        want, want_grad = _run(torch, case, values, torch_dtype)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        np.testing.assert_allclose(got_grad, want_grad, rtol=rtol, atol=atol)


SPECIAL = [float("nan"), float("-inf"), -1e4, -100.0, -0.0, 0.0, 100.0, 1e4]


@pytest.mark.parametrize("case", [c for c in CASES if c[0] not in ("glu", "softmin")],
                         ids=_ids)
def test_special_values_match_torch(case):
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    x = torch.tensor(SPECIAL, dtype=torch.float64)
    want = getattr(torch.nn.functional, name)(x, *args, **kwargs).numpy()
    got = getattr(F, name)(ng.tensor(SPECIAL, dtype=ng.float64), *args, **kwargs).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    number = ~np.isnan(want)
    # -0.0 where torch has it
    np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(want[number]))


def test_infinity_is_finite_or_nan_as_torch_computes_it_elementwise():
    # +inf: torch's gelu gives nan on its vectorised path and inf on its scalar one; the
    # formula's value is inf.
    y = F.gelu(ng.tensor([float("inf"), float("-inf")]))
    assert y[0].item() == float("inf") and np.isnan(y[1].item())
    assert F.softplus(ng.tensor([float("inf")])).item() == float("inf")


MODULES = [
    "GELU()", "GELU(approximate='tanh')", "SiLU()", "SiLU(inplace=True)", "Mish()",
    "Mish(True)", "ELU()", "ELU(alpha=0.5, inplace=True)", "CELU()", "CELU(2.0)", "SELU()",
    "SELU(inplace=True)", "Softplus()", "Softplus(beta=2, threshold=10)", "Softsign()",
    "Hardtanh()", "Hardtanh(-2, 3, True)", "ReLU6()", "ReLU6(inplace=True)", "Hardsigmoid()",
    "Hardsigmoid(inplace=True)", "Hardswish(True)", "LogSigmoid()", "Tanhshrink()",
    "Hardshrink()", "Hardshrink(lambd=1)", "Softshrink()", "Softshrink(0.25)",
    "Threshold(0.1, 20)", "Threshold(0.1, 20.0, inplace=True)", "RReLU()",
    "RReLU(0.1, 0.3, inplace=True)", "PReLU()", "PReLU(num_parameters=3, init=0.1)", "GLU()",
    "GLU(dim=1)", "Softmin()", "Softmin(dim=1)",
    "Sequential(Linear(2, 3), GELU(), PReLU(3), Softmin(dim=-1))",
]


def test_module_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for text in MODULES:
        assert repr(eval(text, dict(vars(ng.nn)))) == repr(eval(text, dict(vars(torch.nn)))), text


def test_module_attributes_and_defaults_match_torch():
    torch = pytest.importorskip("torch")
    names = ["GELU", "SiLU", "Mish", "ELU", "CELU", "SELU", "Softplus", "Hardtanh", "ReLU6",
             "Hardsigmoid", "Hardswish", "Hardshrink", "Softshrink", "RReLU", "PReLU", "GLU",
             "Softmin"]
    for name in names:
        ours, theirs = getattr(ng.nn, name)(), getattr(torch.nn, name)()
        for attr in ("approximate", "inplace", "alpha", "beta", "threshold", "min_val",
                     "max_val", "lambd", "lower", "upper", "num_parameters", "init", "dim"):
            assert getattr(ours, attr, None) == getattr(theirs, attr, None), (name, attr)
    assert isinstance(ng.nn.ReLU6(), ng.nn.Hardtanh)
    assert not isinstance(ng.nn.CELU(), ng.nn.ELU)


def test_modules_give_their_functional_forms():
    x = ng.tensor([[-2.0, -0.5, 0.5, 3.0]])
    for module, expected in ((ng.nn.ELU(0.5), F.elu(x, 0.5)),
                             (ng.nn.Softplus(2, 1), F.softplus(x, 2, 1)),
                             (ng.nn.Threshold(0.0, -1.0), F.threshold(x, 0.0, -1.0)),
                             (ng.nn.GLU(), F.glu(x)), (ng.nn.Softmin(1), F.softmin(x, 1)),
                             (ng.nn.Hardshrink(1.0), F.hardshrink(x, 1.0)),
                             (ng.nn.RReLU(0.1, 0.3).eval(), F.rrelu(x, 0.1, 0.3))):
        np.testing.assert_array_equal(module(x).numpy(), expected.numpy())


INPLACE = [("silu", ()), ("mish", ()), ("elu", (0.5,)), ("celu", (2.0,)), ("selu", ()),
           ("hardtanh", (-0.5, 0.5)), ("relu6", ()), ("hardsigmoid", ()), ("hardswish", ()),
           ("threshold", (0.0, -1.0)), ("rrelu", (0.1, 0.3)), ("relu", ()),
           ("leaky_relu", (0.1,))]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_the_input_and_keeps_the_gradient(name, args):
    torch = pytest.importorskip("torch")
    values = [-2.0, -0.25, 0.75, 4.0]
    results = []
    for lib in (ng, torch):
        leaf = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        x = leaf * 1.0
        y = getattr(lib.nn.functional, name)(x, *args, inplace=True)
        assert y is x
        (y * lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)).sum().backward()
        results.append((x.detach().numpy(), leaf.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_torch():
    x = ng.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.elu(x, inplace=True)


def test_inplace_names_and_modules():
    x = ng.tensor([-2.0, 0.5, 7.0])
    for fn, args, expected in ((F.elu_, (), F.elu(x)), (F.celu_, (2.0,), F.celu(x, 2.0)),
                               (F.selu_, (), F.selu(x)), (F.hardtanh_, (), F.hardtanh(x)),
                               (F.threshold_, (0.0, 9.0), F.threshold(x, 0.0, 9.0)),
                               (F.relu_, (), F.relu(x)),
                               (F.leaky_relu_, (0.2,), F.leaky_relu(x, 0.2)),
                               (F.rrelu_, (), F.rrelu(x)), (ng.celu_, (), F.celu(x)),
                               (ng.selu_, (), F.selu(x)), (ng.rrelu_, (), F.rrelu(x)),
                               (ng.threshold_, (1.0, 0.0), F.threshold(x, 1.0, 0.0))):
        y = x.clone()
        assert fn(y, *args) is y
        np.testing.assert_array_equal(y.numpy(), expected.numpy())
    y = x.clone()
    out = ng.nn.ReLU6(inplace=True)(y)
    assert out is y and y.tolist() == [0.0, 0.5, 6.0]
    y = x.clone()
    assert ng.nn.Hardswish(inplace=True)(y) is y


def test_prelu_parameter_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ng.nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.weight, ng.nn.Parameter) and ours.weight.requires_grad
    assert tuple(ours.weight.shape) == (3,) and ours.weight.dtype is ng.float32
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert ng.nn.PReLU(dtype=ng.float64).weight.dtype is ng.float64
    values = np.array([[[-1.0, 2.0], [0.0, -3.0], [4.0, -0.5]],
                       [[-2.0, -1.0], [1.0, 0.0], [-4.0, 2.0]]])
    slopes = np.array([0.1, -0.2, 0.3])
    ours.load_state_dict({"weight": ng.tensor(slopes, dtype=ng.float32)})
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(slopes))
    grads = []
    for lib, module in ((ng, ours), (torch, theirs)):
        x = lib.tensor(values, dtype=lib.float32, requires_grad=True)
        y = module(x)
        (y * lib.arange(12, dtype=lib.float32).reshape(2, 3, 2)).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy(), module.weight.grad.detach().numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_prelu_shapes_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    cases = [((), (1,)), ((3,), (1,)), ((1,), ()), ((2, 3), (3,)), ((3,), (3,)),
             ((2, 3), (2,)), ((2, 3), (3, 1)), ((2, 3, 4, 5), (3,))]
    for x_shape, w_shape in cases:
        outcomes = []
        for lib in (ng, torch):
            x = lib.linspace(-1, 1, int(np.prod(x_shape))).reshape(x_shape)
            w = lib.full(w_shape, 0.5)
            try:
                outcomes.append(tuple(lib.nn.functional.prelu(x, w).shape))
            except RuntimeError as err:
                outcomes.append(str(err))
        assert outcomes[0] == outcomes[1], (x_shape, w_shape)
    with pytest.raises(RuntimeError, match="Type promoting not supported. Got Float and Double"):
        F.prelu(ng.ones(2, 3), ng.ones(3, dtype=ng.float64))
    x = ng.tensor([[-1.0, 2.0]])
    np.testing.assert_array_equal(x.prelu(ng.tensor([0.5])).numpy(), [[-0.5, 2.0]])


def test_rrelu_evaluation_uses_the_mean_slope():
    x = ng.tensor([-4.0, -1.0, 0.0, 2.0])
    assert F.rrelu(x, 0.1, 0.3).tolist() == pytest.approx([-0.8, -0.2, 0.0, 2.0])
    assert ng.nn.RReLU(0.1, 0.3).eval()(x).tolist() == pytest.approx([-0.8, -0.2, 0.0, 2.0])


def test_rrelu_training_draws_slopes_and_differentiates_through_them():
    ng.manual_seed(0)
    x = ng.linspace(-3, 3, 400, dtype=ng.float64).requires_grad_()
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    xv, yv, gv = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    negative = xv < 0
    slopes = yv[negative] / xv[negative]
    assert np.all((slopes >= 0.1) & (slopes <= 0.3)) and slopes.std() > 0.03
    np.testing.assert_allclose(gv[negative], slopes, rtol=1e-12)  # d/dx = the slope drawn
    np.testing.assert_array_equal(yv[~negative], xv[~negative])
    np.testing.assert_array_equal(gv[xv > 0], 1.0)
    ng.manual_seed(0)
    np.testing.assert_array_equal(F.rrelu(x.detach(), 0.1, 0.3, training=True).numpy(), yv)
    module = ng.nn.RReLU(0.1, 0.3)
    assert not np.array_equal(module(x.detach()).numpy(), module(x.detach()).numpy())
    g = ng.Generator().manual_seed(3)
    a = ng.rrelu(x.detach(), 0.1, 0.3, True, generator=g)
    b = ng.rrelu(x.detach(), 0.1, 0.3, True, generator=ng.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def _outcome(fn):
    try:
        result = fn()
    except Exception as err:  # noqa: BLE001 - the class and message are what is compared
        return type(err).__name__, str(err)
    return str(result.dtype).split(".")[-1], result.tolist()


INTEGER_CASES = ["gelu", "silu", "mish", "elu", "celu", "selu", "softplus", "softsign",
                 "hardtanh", "relu6", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink",
                 "hardshrink", "softshrink", "threshold", "rrelu", "rrelu_train", "glu"]


@pytest.mark.parametrize("name", INTEGER_CASES)
def test_integer_and_bool_inputs_as_torch(name):
    torch = pytest.importorskip("torch")
    for values in ([-2, 0, 1, 3], [True, False, True, True]):
        outcomes = []
        for lib in (ng, torch):
            x = lib.tensor(values)
            fn = {"threshold": lambda: lib.nn.functional.threshold(x, 0.5, 2.7),
                  "hardtanh": lambda: lib.nn.functional.hardtanh(x, -1.5, 1.5),
                  "rrelu_train": lambda: lib.nn.functional.rrelu(x, training=True)}.get(
                name, lambda: getattr(lib.nn.functional, name)(x))
            outcomes.append(_outcome(fn))
        if outcomes[1][0] == "float32":
            assert outcomes[0][0] == "float32"
            np.testing.assert_allclose(outcomes[0][1], outcomes[1][1], rtol=1e-6)
        elif name == "glu" and values[0] is True:
            assert outcomes[0][0] == outcomes[1][0]  # torch names Long for a bool input
        else:
            assert outcomes[0] == outcomes[1]


def test_argument_errors_as_torch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda lib, x: lib.nn.functional.gelu(x, approximate="exact"),
        lambda lib, x: lib.nn.functional.softshrink(x, -1.0),
        lambda lib, x: lib.nn.functional.softshrink(x.double(), -0.5),
        lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0),
        lambda lib, x: lib.nn.Hardtanh(1.0, 1.0),
        lambda lib, x: lib.nn.functional.celu(x, 0.0),
        lambda lib, x: lib.nn.functional.rrelu(x, 0.5, 0.1),
        lambda lib, x: lib.nn.functional.glu(x),
        lambda lib, x: lib.nn.functional.glu(x.sum()),
        lambda lib, x: lib.nn.functional.glu(x.reshape(1, 3), 2),
        lambda lib, x: lib.nn.functional.gelu(x, "tanh"),
        lambda lib, x: lib.nn.functional.silu([1.0]),
    ]
    for call in calls:
        ours = _outcome(lambda: call(ng, ng.tensor([1.0, -2.0, 3.0])))
        theirs = _outcome(lambda: call(torch, torch.tensor([1.0, -2.0, 3.0])))
        assert ours[0] == theirs[0]
        if ours[0] not in ("TypeError", "IndexError"):
            assert ours[1] == theirs[1]


def test_hardtanh_equal_bounds_and_deprecated_keywords():
    assert F.hardtanh(ng.tensor([-3.0, 3.0]), 1.0, 1.0).tolist() == [1.0, 1.0]
    with pytest.warns(FutureWarning, match="min_value"):
        m = ng.nn.Hardtanh(min_value=-2.0)
    assert m.min_val == -2.0


def test_softmin_implicit_dim_warns_and_picks_torchs_dim():
    torch = pytest.importorskip("torch")
    values = np.arange(24.0).reshape(2, 3, 4) / 10
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        got = ng.nn.Softmin()(ng.tensor(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.Softmin()(torch.tensor(values))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    got = F.softmin(ng.tensor([1, 2, 3]), 0, dtype=ng.float64)
    assert got.dtype is ng.float64
    np.testing.assert_allclose(got.numpy(), torch.softmax(-torch.arange(1.0, 4.0).double(), 0))


def test_public_names_match_torch():
    torch = pytest.importorskip("torch")
    family = ["gelu", "silu", "mish", "elu", "celu", "selu", "softplus", "softsign", "hardtanh",
              "relu6", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink", "hardshrink",
              "softshrink", "threshold", "rrelu", "prelu", "glu", "softmin"]
    for name in family + [n + "_" for n in family] + ["relu_", "leaky_relu_"]:
        assert hasattr(F, name) == hasattr(torch.nn.functional, name), name
        assert hasattr(ng.Tensor, name) == hasattr(torch.Tensor, name), name
        if name in family or name[:-1] in family:
            assert hasattr(ng, name) == hasattr(torch, name), name
    assert ng.tensor([0.25, 1.0]).hardshrink(0.5).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu",
                                  "mish", "softplus", "hardtanh", "hardswish", "hardsigmoid",
                                  "logsigmoid", "softsign", "softshrink", "hardshrink"])
def test_nan_and_infinite_inputs_give_torch_values_and_gradients(name):
    """A nan input passes its gradient where torch's comparison lets it (relu's out <= 0, elu's
    x <= 0, hardswish's ranges), and gives nan where torch's does."""
    torch = pytest.importorskip("torch")
    data = [float("nan"), 1.0, -1.0, 0.0, 3.0, -3.0, float("inf"), -float("inf")]
    x = ng.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    ours, theirs = getattr(F, name)(x), getattr(torch.nn.functional, name)(t)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-6)
