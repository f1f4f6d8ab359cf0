"""Normalisation layers and functions against torch: outputs, input and parameter gradients,
running statistics over several steps, reprs, state dicts and errors."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F

torch = pytest.importorskip("torch")

TOL = {np.float32: 1e-5, np.float64: 1e-10}

# (name, constructor arguments, input shape); the same arguments build torch's layer.
LAYERS = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"affine": False, "track_running_stats": False}, (4, 3)),
    ("BatchNorm2d", (3,), {"momentum": 0.3, "eps": 1e-3}, (2, 3, 2, 5)),
    ("BatchNorm2d", (3,), {"bias": False}, (2, 3, 2, 2)),
    ("BatchNorm3d", (2,), {}, (2, 2, 2, 3, 2)),
    ("LayerNorm", (4,), {}, (3, 4)),
    ("LayerNorm", ((3, 4),), {"eps": 1e-3}, (2, 5, 3, 4)),
    ("LayerNorm", (4,), {"bias": False}, (2, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False}, (2, 3, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), {"affine": False}, (2, 6, 2, 2)),
    ("GroupNorm", (1, 3), {}, (2, 3)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 4)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": 0.5}, (2, 3, 2, 3)),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 2, 2, 2)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4)),
    ("LocalResponseNorm", (2,), {"alpha": 0.5, "beta": 0.5, "k": 2.0}, (2, 4, 3, 2)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(LAYERS)]


def _pair(name, args, kwargs):
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(ng.nn, name)(*args, **kwargs)
    return theirs, ours


def _to_ours(state):
    return {k: ng.from_numpy(v.numpy().copy()) for k, v in state.items()}


def _close(ours, theirs, tol, msg=""):
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=tol, atol=tol,
                               err_msg=msg)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=IDS)
def test_layer_matches_torch(name, args, kwargs, shape, train, dtype):
    theirs, ours = _pair(name, args, kwargs)
    rng = np.random.default_rng(0)
    with torch.no_grad():  # parameters away from their initial ones and zeros
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(p.shape))))
    ours.load_state_dict(_to_ours(theirs.state_dict()))
    if dtype == np.float64:
        theirs.double()
        ours.double()
    theirs.train(train)
    ours.train(train)
    tol = TOL[dtype]
    for _ in range(3):
        x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
        xt = torch.tensor(x, requires_grad=True)
        xn = ng.from_numpy(x.copy()).requires_grad_(True)
        yt, yn = theirs(xt), ours(xn)
        g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
        yt.backward(torch.from_numpy(g))
        yn.backward(ng.from_numpy(g))
        _close(yn.detach(), yt, tol, "output")
        _close(xn.grad, xt.grad, tol, "input gradient")
    ours_params = dict(ours.named_parameters())
    for key, p in theirs.named_parameters():
        _close(ours_params[key].grad, p.grad, tol * 10, key)
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours_state[key].dtype.name == str(value.dtype).split(".")[1], key
        _close(ours_state[key], value, tol, key)


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=IDS)
def test_repr_matches_torch(name, args, kwargs, shape):
    theirs, ours = _pair(name, args, kwargs)
    assert repr(ours) == repr(theirs)
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]


def test_running_stats_update_without_grad_and_cumulative_average():
    theirs, ours = _pair("BatchNorm1d", (2,), {"momentum": None})
    rng = np.random.default_rng(1)
    for step in range(1, 4):
        x = (rng.standard_normal((5, 2)) * step).astype(np.float32)
        theirs(torch.from_numpy(x))
        with ng.no_grad():
            ours(ng.from_numpy(x))
        assert int(ours.num_batches_tracked.item()) == step
    assert ours.num_batches_tracked.dtype == ng.int64
    _close(ours.running_mean, theirs.running_mean, 1e-6)
    _close(ours.running_var, theirs.running_var, 1e-6)
    ours.eval()
    ours(ng.from_numpy(x))
    assert int(ours.num_batches_tracked.item()) == 3  # evaluation counts nothing


def test_no_running_stats_uses_batch_statistics_in_eval():
    layer = ng.nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert layer.running_mean is None and layer.num_batches_tracked is None
    assert list(layer.state_dict()) == ["weight", "bias"]
    x = ng.tensor([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(np.asarray(layer(x).detach()), [[-1, -1], [1, 1]], atol=1e-4)


def test_torch_state_dict_loads_and_evaluates_alike():
    theirs, ours = _pair("BatchNorm2d", (3,), {})
    x = torch.randn(4, 3, 2, 2)
    for _ in range(2):
        theirs(x * 2 + 1)
    theirs.eval()
    ours.load_state_dict(_to_ours(theirs.state_dict()))
    ours.eval()
    assert int(ours.num_batches_tracked.item()) == 2
    _close(ours(ng.from_numpy(x.numpy())).detach(), theirs(x), 1e-5)


def _raises(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - compared below
        return type(err), str(err)
    return None


ERRORS = [
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.randn(2, 3, 1, 1)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3, 1)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 4)),
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib: lib.nn.InstanceNorm2d(3)(lib.randn(2, 3)),
    lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.randn(2, 4, 5)),
    lambda lib: lib.nn.GroupNorm(3, 4),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 6, 4), 4),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2), 1),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 6), 2, lib.ones(4)),
    lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 3), (4,)),
    lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 3), (3,), lib.ones(4)),
    lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 3), (3,), None, lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(4), lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3),
                                             lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None, training=True,
                                             eps=0.0),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(1, 3, 1)),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 3, 4), use_input_stats=False),
    lambda lib: lib.nn.functional.local_response_norm(lib.randn(2, 3), 2),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(case):
    expected = _raises(lambda: ERRORS[case](torch))
    got = _raises(lambda: ERRORS[case](ng))
    assert expected is not None and got is not None
    assert got[0] is expected[0]
    assert got[1] == expected[1].replace("torch.", "numbagrad.")


FUNCTIONS = [
    lambda lib, x: lib.nn.functional.layer_norm(x, (2, 3), eps=1e-3),
    lambda lib, x: lib.nn.functional.group_norm(x, 2),
    lambda lib, x: lib.nn.functional.instance_norm(x),
    lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
    lambda lib, x: lib.nn.functional.local_response_norm(x, 4, alpha=0.3),
    lambda lib, x: lib.nn.functional.normalize(x),
    lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=-1),
    lambda lib, x: lib.nn.functional.normalize(x, p=3.0, dim=(0, 2)),
    lambda lib, x: lib.nn.functional.normalize(x * 0.0, eps=0.5),
]


@pytest.mark.parametrize("case", range(len(FUNCTIONS)))
def test_functions_match_torch(case):
    x = np.random.default_rng(case).standard_normal((3, 4, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    xn = ng.from_numpy(x.copy()).requires_grad_(True)
    yt, yn = FUNCTIONS[case](torch, xt), FUNCTIONS[case](ng, xn)
    g = np.random.default_rng(99).standard_normal(tuple(yt.shape))
    yt.backward(torch.from_numpy(g))
    yn.backward(ng.from_numpy(g))
    _close(yn.detach(), yt, 1e-10)
    _close(xn.grad, xt.grad, 1e-10)


def test_functional_batch_norm_updates_given_running_stats():
    x = np.random.default_rng(2).standard_normal((6, 3, 2))
    rm, rv = np.arange(3.0), np.full(3, 2.0)
    tm, tv = torch.tensor(rm), torch.tensor(rv)
    nm, nv = ng.from_numpy(rm.copy()), ng.from_numpy(rv.copy())
    torch.nn.functional.batch_norm(torch.from_numpy(x), tm, tv, training=True, momentum=0.25)
    F.batch_norm(ng.from_numpy(x), nm, nv, training=True, momentum=0.25)
    _close(nm, tm, 1e-12)
    _close(nv, tv, 1e-12)  # the unbiased batch variance, as torch keeps


def test_float16_layer_norm():
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float16)
    got = ng.nn.LayerNorm(5).half()(ng.from_numpy(x))
    assert got.dtype == ng.float16
    expected = torch.nn.LayerNorm(5).half()(torch.from_numpy(x))
    np.testing.assert_allclose(np.asarray(got.detach()).astype(np.float32),
                               expected.detach().float().numpy(), atol=2e-3)


def test_non_contiguous_input():
    x = np.random.default_rng(4).standard_normal((3, 5, 4)).transpose(2, 1, 0)
    got = F.group_norm(ng.from_numpy(x), 5)
    expected = torch.nn.functional.group_norm(torch.from_numpy(x), 5)
    _close(got, expected, 1e-10)


@pytest.mark.parametrize("name,args,shape", [("BatchNorm1d", (3,), (0, 3)),
                                             ("BatchNorm1d", (3,), (2, 3, 0)),
                                             ("LayerNorm", (3,), (0, 3)),
                                             ("GroupNorm", (1, 3), (0, 3, 2))])
def test_empty_input_matches_torch(name, args, shape):
    theirs, ours = _pair(name, args, {})
    yt = theirs(torch.zeros(shape, requires_grad=True))
    yn = ours(ng.zeros(shape, requires_grad=True))
    assert tuple(yn.shape) == tuple(yt.shape)
    yt.sum().backward()
    yn.sum().backward()
    _close(ours.weight.grad, theirs.weight.grad, 0)
    for key, value in theirs.state_dict().items():
        _close(ours.state_dict()[key], value, 0, key)
