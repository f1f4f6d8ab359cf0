"""nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm, parameters_to_vector and
vector_to_parameters against torch."""
import math
import warnings

import numpy as np
import pytest

import numbagrad
from numbagrad.nn import utils

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]


def _params(lib, dtype=np.float32, seed=0, skip=None, scale=1.0):
    """Parameters with gradients (but the one at index ``skip``)."""
    rng = np.random.default_rng(seed)
    params = []
    for i, shape in enumerate(SHAPES):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape).astype(dtype)))
        g = (rng.standard_normal(shape) * scale).astype(dtype)
        if i != skip:
            p.grad = lib.tensor(g)
        params.append(p)
    return params


def _grads(params):
    return [None if p.grad is None else np.asarray(p.grad.detach()) for p in params]


def _assert_grads_close(ng, t, rtol):
    for a, b in zip(_grads(ng), [None if p.grad is None else p.grad.numpy() for p in t]):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


NORM_CASES = [(1.0, 2.0), (0.5, 2.0), (100.0, 2.0), (1.0, 1.0), (1.0, math.inf), (1.0, "inf"),
              (1.0, 3.0), (0.1, 0.5), (1.0, -math.inf), (2.0, 0.0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm, norm_type", NORM_CASES, ids=str)
@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_norm_matches_torch(max_norm, norm_type, dtype, foreach):
    torch = pytest.importorskip("torch")
    ng, t = _params(numbagrad, dtype, skip=1), _params(torch, dtype, skip=1)
    ng_total = utils.clip_grad_norm_(ng, max_norm, norm_type, foreach=foreach)
    t_total = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type, foreach=foreach)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert isinstance(ng_total, numbagrad.Tensor) and ng_total.shape == ()
    assert ng_total.dtype.name == str(t_total.dtype).replace("torch.", "")
    np.testing.assert_allclose(ng_total.item(), t_total.item(), rtol=rtol)
    _assert_grads_close(ng, t, rtol)


def test_clip_grad_norm_scales_to_max_norm_and_leaves_small_gradients():
    w = numbagrad.zeros(2, requires_grad=True)
    w.grad = numbagrad.tensor([3.0, 4.0])
    total = utils.clip_grad_norm_(w, 1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(np.asarray(w.grad), [0.6, 0.8], rtol=1e-5)
    assert utils.clip_grad_norm_([w], 10.0).item() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(np.asarray(w.grad), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_norm_without_gradients_returns_zero():
    torch = pytest.importorskip("torch")
    assert repr(utils.clip_grad_norm_([numbagrad.zeros(2, requires_grad=True)], 1.0)) == repr(
        torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0))
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_error_if_nonfinite():
    torch = pytest.importorskip("torch")
    for lib, clip in ((numbagrad, utils.clip_grad_norm_),
                      (torch, torch.nn.utils.clip_grad_norm_)):
        w = lib.zeros(3, requires_grad=True)
        w.grad = lib.tensor([float("inf"), 1.0, 0.0])
        with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                               "`parameters` is non-finite"):
            clip(w, 1.0, error_if_nonfinite=True)
        w.grad = lib.tensor([float("nan"), 1.0, 0.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            clip(w, 1.0, error_if_nonfinite=True)
    ng = numbagrad.zeros(3, requires_grad=True)
    ng.grad = numbagrad.tensor([float("inf"), 1.0, 0.0])
    t = torch.zeros(3, requires_grad=True)
    t.grad = torch.tensor([float("inf"), 1.0, 0.0])
    assert utils.clip_grad_norm_(ng, 1.0).item() == math.inf
    torch.nn.utils.clip_grad_norm_(t, 1.0)
    np.testing.assert_array_equal(np.asarray(ng.grad), t.grad.numpy())


def test_clip_grad_norm_is_not_recorded_by_autograd():
    w = numbagrad.ones(2, requires_grad=True)
    w.grad = numbagrad.tensor([3.0, 4.0])
    total = utils.clip_grad_norm_(w, 1.0)
    assert total.grad_fn is None and not total.requires_grad


def test_deprecated_clip_grad_norm_warns():
    w = numbagrad.zeros(2, requires_grad=True)
    w.grad = numbagrad.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="deprecated in favor of"):
        assert utils.clip_grad_norm(w, 1.0).item() == 5.0


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    torch = pytest.importorskip("torch")
    ng, t = _params(numbagrad), _params(torch)
    ng_total = utils.get_total_norm([p.grad for p in ng], 3.0)
    t_total = torch.nn.utils.get_total_norm([p.grad for p in t], 3.0)
    np.testing.assert_allclose(ng_total.item(), t_total.item(), rtol=1e-5)
    utils.clip_grads_with_norm_(ng, 0.5, ng_total)
    torch.nn.utils.clip_grads_with_norm_(t, 0.5, t_total)
    _assert_grads_close(ng, t, 1e-5)


@pytest.mark.parametrize("clip_value", [0.1, 0.5, 2.0, 0])
@pytest.mark.parametrize("foreach", [None, True])
def test_clip_grad_value_matches_torch(clip_value, foreach):
    torch = pytest.importorskip("torch")
    ng, t = _params(numbagrad, skip=2, scale=2.0), _params(torch, skip=2, scale=2.0)
    assert utils.clip_grad_value_(ng, clip_value, foreach=foreach) is None
    torch.nn.utils.clip_grad_value_(t, clip_value, foreach=foreach)
    _assert_grads_close(ng, t, 0)
    assert max(np.abs(g).max() for g in _grads(ng) if g is not None) <= clip_value


def test_clip_grad_value_takes_a_single_tensor():
    w = numbagrad.zeros(2, requires_grad=True)
    w.grad = numbagrad.tensor([3.0, -0.5])
    utils.clip_grad_value_(w, 1.0)
    np.testing.assert_array_equal(np.asarray(w.grad), [1.0, -0.5])


def test_parameters_to_vector_matches_torch_and_passes_gradients():
    torch = pytest.importorskip("torch")
    ng, t = _params(numbagrad), _params(torch)
    ng_vec, t_vec = utils.parameters_to_vector(ng), torch.nn.utils.parameters_to_vector(t)
    np.testing.assert_array_equal(np.asarray(ng_vec.detach()), t_vec.detach().numpy())
    assert ng_vec.shape == (sum(p.numel() for p in ng),)
    weights = np.arange(ng_vec.shape[0], dtype=np.float32)
    (ng_vec * numbagrad.tensor(weights)).sum().backward()
    (t_vec * torch.tensor(weights)).sum().backward()
    for a, b in zip(ng, t):
        np.testing.assert_array_equal(np.asarray(a.grad), b.grad.numpy())


def test_vector_to_parameters_matches_torch():
    torch = pytest.importorskip("torch")
    ng, t = _params(numbagrad), _params(torch)
    n = sum(p.numel() for p in ng)
    vec = np.linspace(-1, 1, n).astype(np.float32)
    utils.vector_to_parameters(numbagrad.tensor(vec), ng)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), t)
    for a, b in zip(ng, t):
        assert a.shape == b.shape and a.requires_grad
        np.testing.assert_array_equal(np.asarray(a.detach()), b.detach().numpy())
    np.testing.assert_array_equal(np.asarray(utils.parameters_to_vector(ng).detach()), vec)


def test_vector_to_parameters_rejects_a_non_tensor():
    with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list$"):
        utils.vector_to_parameters([1.0], [numbagrad.zeros(1)])


def test_nn_utils_is_reachable_as_in_torch():
    assert numbagrad.nn.utils.clip_grad_norm_ is utils.clip_grad_norm_
    assert numbagrad.nn.utils.clip_grad.clip_grad_value_ is utils.clip_grad_value_
    assert numbagrad.nn.utils.convert_parameters.parameters_to_vector is (
        utils.parameters_to_vector)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = numbagrad.zeros(1, requires_grad=True)
        utils.clip_grad_norm_([w], 1.0)
