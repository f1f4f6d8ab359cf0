"""What the optimizers with kernels in the backends' ``optim_extra`` share (Adadelta, Adamax,
NAdam, RAdam, ASGD, Rprop): groups with their own options against torch, skipped parameters, in-place updates,
closures, state-dict round trips, non-contiguous and float16 parameters, CPU/GPU parity."""
import copy

import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch, loss_of, make_problem

ALL = {
    "Adadelta": {"lr": 0.5, "weight_decay": 0.01},
    "Adamax": {"lr": 0.05, "weight_decay": 0.01},
    "NAdam": {"lr": 0.05, "weight_decay": 0.01, "decoupled_weight_decay": True},
    "RAdam": {"lr": 0.05, "betas": (0.9, 0.9)},
    "ASGD": {"lr": 0.05, "t0": 4},
    "Rprop": {"lr": 0.05},
}


def leaves(*arrays):
    return [numbagrad.tensor(np.asarray(a, np.float32), requires_grad=True) for a in arrays]


def train(opt, params, data):
    for xs, ys in data:
        opt.zero_grad()
        loss_of(numbagrad, params, xs, ys).backward()
        opt.step()


@pytest.mark.parametrize("name", ALL)
def test_groups_with_their_own_options_match_torch(name):
    torch = pytest.importorskip("torch")
    options = dict(ALL[name])
    options.pop("lr")

    def groups(params):
        return [{"params": params[:2], "lr": 0.02}, {"params": params[2:], "lr": 0.1}]

    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: getattr(numbagrad.optim, name)(groups(ps), **options),
        lambda ps: getattr(torch.optim, name)(groups(ps), **options), steps=20)
    ng_sd, t_sd = ng_opt.state_dict(), t_opt.state_dict()
    assert ng_sd["param_groups"] == t_sd["param_groups"]
    for i in ng_sd["state"]:
        assert list(ng_sd["state"][i]) == list(t_sd["state"][i])


@pytest.mark.parametrize("name", ALL)
def test_parameters_without_grad_are_skipped(name):
    a, b = leaves([1.0, 2.0], [3.0])
    opt = getattr(numbagrad.optim, name)([a, b], **ALL[name])
    (a * a).sum().backward()
    opt.step()
    assert b.item() == 3.0 and b not in opt.state
    assert a.detach().numpy()[0] != 1.0


@pytest.mark.parametrize("name", ALL)
def test_step_writes_in_place_bumps_versions_and_records_nothing(name):
    (a,) = leaves([1.0, -2.0])
    data, version = a._data, a._version.value
    opt = getattr(numbagrad.optim, name)([a], **ALL[name])
    (a * a).sum().backward()
    opt.step()
    assert a._data is data and a._version.value == version + 1
    assert a.grad_fn is None and a.requires_grad and a.is_leaf
    for value in opt.state[a].values():
        assert value.grad_fn is None and not value.requires_grad


@pytest.mark.parametrize("name", ALL)
def test_closure_runs_with_grad_enabled_and_its_loss_is_returned(name):
    (a,) = leaves([1.0, -2.0])
    opt = getattr(numbagrad.optim, name)([a], **ALL[name])
    seen = []

    def closure():
        opt.zero_grad()
        seen.append(numbagrad.is_grad_enabled())
        loss = (a * a).sum()
        loss.backward()
        return loss

    with numbagrad.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    assert a.detach().numpy()[0] < 1.0
    assert opt.step() is None


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_continues_the_same_trajectory(name):
    inits, data = make_problem(seed=1, steps=20)
    cls = getattr(numbagrad.optim, name)
    params = [numbagrad.tensor(x, requires_grad=True) for x in inits]
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.02}], **ALL[name])
    train(opt, params, data[:10])
    saved = copy.deepcopy(opt.state_dict())
    clones = [numbagrad.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    fresh = cls([{"params": clones[:1], "lr": 1.0}, {"params": clones[1:]}])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.02 and repr(fresh) == repr(opt)
    train(opt, params, data[10:])
    train(fresh, clones, data[10:])
    for p, q in zip(params, clones):
        np.testing.assert_array_equal(np.asarray(p.detach()), np.asarray(q.detach()))
        for key, value in opt.state[p].items():
            np.testing.assert_array_equal(np.asarray(value), np.asarray(fresh.state[q][key]))


@pytest.mark.parametrize("name", ALL)
def test_non_contiguous_gradient_and_parameter(name):
    torch = pytest.importorskip("torch")
    base = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    grad = (np.arange(12, dtype=np.float32).reshape(4, 3) - 5) / 3
    a = numbagrad.tensor(base.copy()).t()
    a.requires_grad_(True)
    a.grad = numbagrad.tensor(grad.T.copy().T)
    t = torch.tensor(base.copy()).t().requires_grad_(True)
    t.grad = torch.tensor(grad)
    ng_opt = getattr(numbagrad.optim, name)([a], **ALL[name])
    t_opt = getattr(torch.optim, name)([t], **ALL[name])
    for _ in range(3):
        ng_opt.step()
        t_opt.step()
    assert not a.is_contiguous()
    np.testing.assert_allclose(np.asarray(a.detach()), t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_float16_parameters_are_updated_in_float32_and_rounded(name):
    torch = pytest.importorskip("torch")
    values = np.array([0.5, -1.25, 2.0], np.float16)
    grad = np.array([0.25, 0.5, -1.0], np.float16)
    a = numbagrad.tensor(values.copy(), requires_grad=True)
    t = torch.tensor(values.copy(), requires_grad=True)
    ng_opt = getattr(numbagrad.optim, name)([a], **ALL[name])
    t_opt = getattr(torch.optim, name)([t], **ALL[name])
    for _ in range(3):
        a.grad = numbagrad.tensor(grad.copy())
        t.grad = torch.tensor(grad.copy())
        ng_opt.step()
        t_opt.step()
    assert a.dtype == numbagrad.float16
    np.testing.assert_allclose(np.asarray(a.detach()).astype(np.float32),
                               t.detach().float().numpy(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name", ALL)
def test_many_parameters_share_calls_and_match_one_by_one(name):
    # Nine parameters: a full call of eight and a padded call of one, against nine optimizers
    # that each update one parameter alone.
    rng = np.random.default_rng(3)
    inits = [rng.standard_normal(4).astype(np.float32) for _ in range(9)]
    grads = [rng.standard_normal(4).astype(np.float32) for _ in range(9)]
    together = [numbagrad.tensor(x.copy(), requires_grad=True) for x in inits]
    alone = [numbagrad.tensor(x.copy(), requires_grad=True) for x in inits]
    opt = getattr(numbagrad.optim, name)(together, **ALL[name])
    opts = [getattr(numbagrad.optim, name)([p], **ALL[name]) for p in alone]
    for _ in range(3):
        for p, q, g in zip(together, alone, grads):
            p.grad = numbagrad.tensor(g)
            q.grad = numbagrad.tensor(g)
        opt.step()
        for o in opts:
            o.step()
    for p, q in zip(together, alone):
        np.testing.assert_array_equal(np.asarray(p.detach()), np.asarray(q.detach()))
