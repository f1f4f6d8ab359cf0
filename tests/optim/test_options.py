"""The common options of SGD, Adam, AdamW, RMSprop and Adagrad (amsgrad, maximize, foreach,
capturable=False, differentiable=False, fused) against torch: the groups and a short trajectory."""
import inspect

import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

BASE = {"SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {"lr": 0.05}, "AdamW": {"lr": 0.05},
        "RMSprop": {"lr": 0.01, "momentum": 0.5}, "Adagrad": {"lr": 0.1}}
OPTIONS = [{"maximize": True}, {"foreach": True}, {"foreach": False}, {"capturable": False},
           {"differentiable": False}, {"fused": None}, {"fused": False}, {"fused": True},
           {"amsgrad": True}, {"amsgrad": True, "maximize": True, "foreach": True}]
CASES = [(name, options) for name in BASE for options in OPTIONS]


@pytest.mark.parametrize("name, options", CASES, ids=str)
def test_option_is_accepted_as_torch_accepts_it(name, options):
    torch = pytest.importorskip("torch")
    accepted = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert set(inspect.signature(getattr(numbagrad.optim, name).__init__).parameters) == set(
        accepted)
    if not set(options) <= set(accepted):
        with pytest.raises(TypeError):
            getattr(numbagrad.optim, name)([numbagrad.zeros(1, requires_grad=True)], **options)
        return
    kwargs = {**BASE[name], **options}
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: getattr(numbagrad.optim, name)(ps, **kwargs),
        lambda ps: getattr(torch.optim, name)(ps, **kwargs), steps=5)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
