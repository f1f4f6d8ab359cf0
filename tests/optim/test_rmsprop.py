"""RMSprop against torch 2.x: every option, over many steps, parameters and state."""
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.005, "centered": True},
    {"lr": 0.005, "momentum": 0.9},
    {"lr": 0.005, "weight_decay": 0.1},
    {"lr": 0.005, "maximize": True},
    # alpha < 0.5 takes lerp's other branch for grad_avg (weight 1 - alpha >= 0.5).
    {"lr": 0.005, "alpha": 0.4, "centered": True, "eps": 1e-4},
    {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05,
     "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_rmsprop_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.RMSprop(ps, **options),
        lambda ps: torch.optim.RMSprop(ps, **options),
        # The kernels let LLVM fuse multiply-adds (one rounding where torch has two); with
        # momentum the last-place differences add up to about 2e-6 over the trajectory.
        atol=3e-6)
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_rmsprop_state_follows_options():
    w = numbagrad.tensor([1.0, -2.0], requires_grad=True)
    opt = numbagrad.optim.RMSprop([w], momentum=0.9, centered=True)
    (w * w).sum().backward()
    opt.step()
    assert list(opt.state[w]) == ["step", "square_avg", "momentum_buffer", "grad_avg"]
    plain = numbagrad.optim.RMSprop([numbagrad.tensor([1.0], requires_grad=True)])
    p = plain.param_groups[0]["params"][0]
    (p * p).sum().backward()
    plain.step()
    assert list(plain.state[p]) == ["step", "square_avg"]


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ({"momentum": -1}, "Invalid momentum value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"alpha": -0.5}, "Invalid alpha value: -0.5"),
])
def test_rmsprop_rejects_invalid_arguments(kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        numbagrad.optim.RMSprop([w], **kwargs)
