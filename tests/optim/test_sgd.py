"""SGD against torch 2.x: every option, over many steps, parameters and momentum buffers."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.02, "momentum": 0.9},
    {"lr": 0.02, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.02, "momentum": 0.8, "nesterov": True},
    {"lr": 0.02, "weight_decay": 0.1},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.05, "nesterov": True, "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_sgd_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.SGD(ps, **options),
        lambda ps: torch.optim.SGD(ps, **options))
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_sgd_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.01}
    compare_with_torch(torch, lambda ps: numbagrad.optim.SGD(ps, **options),
                       lambda ps: torch.optim.SGD(ps, **options), dtype=np.float64, rtol=1e-12,
                       atol=1e-12)


def test_sgd_zero_grad_without_none_keeps_momentum_moving():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.02, "momentum": 0.9}
    compare_with_torch(torch, lambda ps: numbagrad.optim.SGD(ps, **options),
                       lambda ps: torch.optim.SGD(ps, **options), set_to_none=False)


def test_sgd_first_momentum_step_copies_the_gradient():
    w = numbagrad.tensor([1.0, -2.0], requires_grad=True)
    opt = numbagrad.optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(np.asarray(opt.state[w]["momentum_buffer"]), [2.0, -4.0])
    np.testing.assert_allclose(np.asarray(w.detach()), [0.8, -1.6], rtol=1e-6)


def test_sgd_without_momentum_keeps_no_state():
    w = numbagrad.tensor([1.0], requires_grad=True)
    opt = numbagrad.optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.step()
    assert opt.state_dict()["state"] == {}
    np.testing.assert_allclose(np.asarray(w.detach()), [0.7], rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ({"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_sgd_rejects_invalid_arguments(kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        numbagrad.optim.SGD([w], **kwargs)
