"""Rprop against torch: every option, 20 steps, parameters and state after each."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
    {"lr": 0.05, "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_rprop_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.Rprop(ps, **options),
        lambda ps: torch.optim.Rprop(ps, **options), steps=20)
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_rprop_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.05, "step_sizes": (1e-4, 0.5)}
    compare_with_torch(torch, lambda ps: numbagrad.optim.Rprop(ps, **options),
                       lambda ps: torch.optim.Rprop(ps, **options), dtype=np.float64,
                       rtol=1e-12, atol=1e-12, steps=20)


def test_rprop_rejects_invalid_etas():
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="^Invalid eta values: 1.5, 2.0$"):
        numbagrad.optim.Rprop([w], etas=(1.5, 2.0))
