"""The Optimizer base: groups, zero_grad, closures, state dicts, in-place semantics, errors."""
import copy
import pickle

import numpy as np
import pytest

import numbagrad
from numbagrad.optim.optimizer import Optimizer
from tests.optim.trajectory import compare_with_torch, loss_of, make_problem

ALL = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "Adam": {"lr": 0.05, "amsgrad": True},
    "AdamW": {"lr": 0.05, "weight_decay": 0.1},
    "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01},
}


def leaves(*arrays):
    return [numbagrad.tensor(np.asarray(a, np.float32), requires_grad=True) for a in arrays]


def train(opt, params, data):
    for xs, ys in data:
        opt.zero_grad()
        loss_of(numbagrad, params, xs, ys).backward()
        opt.step()


# ---------------------------------------------------------------------------- parameter groups
@pytest.mark.parametrize("name", ALL)
def test_groups_with_their_own_options_match_torch(name):
    torch = pytest.importorskip("torch")
    options = dict(ALL[name])
    options.pop("lr")

    def groups(params):
        return [{"params": params[:2], "lr": 0.02}, {"params": params[2:], "lr": 0.1}]

    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: getattr(numbagrad.optim, name)(groups(ps), **options),
        lambda ps: getattr(torch.optim, name)(groups(ps), **options))
    assert repr(ng_opt) == repr(t_opt)
    ng_sd, t_sd = ng_opt.state_dict(), t_opt.state_dict()
    assert ng_sd["param_groups"] == t_sd["param_groups"]
    assert [g["params"] for g in ng_sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(ng_sd["state"]) == sorted(t_sd["state"]) == [0, 1, 2]
    for i in ng_sd["state"]:
        assert list(ng_sd["state"][i]) == list(t_sd["state"][i])


def test_group_options_override_defaults():
    a, b = leaves([1.0], [2.0])
    opt = numbagrad.optim.SGD([{"params": [a]}, {"params": b, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["params"] == [b]
    assert opt.defaults["momentum"] == 0


def test_add_param_group_fills_defaults_and_trains_the_new_group():
    a, b = leaves([1.0], [2.0])
    opt = numbagrad.optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert opt.param_groups[1]["momentum"] == 0 and opt.param_groups[1]["lr"] == 0.5
    (a + b).sum().backward()
    opt.step()
    np.testing.assert_allclose(np.asarray(a.detach()), [0.9], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b.detach()), [1.5], rtol=1e-6)


def test_a_parameter_in_two_groups_is_an_error():
    a, b = leaves([1.0], [2.0])
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter "
                                         "group$"):
        numbagrad.optim.Adam([{"params": [a, b]}, {"params": [b]}])
    opt = numbagrad.optim.Adam([a])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": a})


def test_duplicate_parameters_in_one_group_warn():
    (a,) = leaves([1.0])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        numbagrad.optim.SGD([a, a], lr=0.1)


# ---------------------------------------------------------------------------- bad arguments
def test_a_single_tensor_is_not_a_parameter_list():
    (a,) = leaves([1.0])
    with pytest.raises(TypeError, match="^params argument given to the optimizer should be an "
                                        "iterable of Tensors or dicts, but got "
                                        "numbagrad.FloatTensor$"):
        numbagrad.optim.SGD(a)


def test_empty_and_foreign_parameters_are_rejected():
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        numbagrad.optim.SGD([])
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the "
                                        "params is int$"):
        numbagrad.optim.SGD([3])
    with pytest.raises(TypeError, match="ordered collections"):
        numbagrad.optim.SGD([{"params": set(leaves([1.0]))}])
    with pytest.raises(TypeError, match="^param_group must be a dict"):
        numbagrad.optim.SGD(leaves([1.0])).add_param_group([])


def test_non_leaf_tensors_are_rejected():
    (a,) = leaves([1.0])
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        numbagrad.optim.SGD([a * 2])


def test_required_hyper_parameters_must_be_given():
    class Needy(Optimizer):
        pass

    from numbagrad.optim.optimizer import required

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Needy(leaves([1.0]), {"lr": required})
    assert repr(required) == "<required parameter>"


def test_base_step_is_abstract():
    (p,) = leaves([1.0])
    p.grad = numbagrad.ones(1)
    with pytest.raises(NotImplementedError):
        Optimizer([p], {}).step()


# ---------------------------------------------------------------------------- zero_grad and step
def test_zero_grad_sets_to_none_by_default():
    a, b = leaves([1.0, 2.0], [3.0])
    opt = numbagrad.optim.SGD([a, b], lr=0.1)
    (a * b).sum().backward()
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_can_fill_with_zeros_in_place():
    (a,) = leaves([1.0, 2.0])
    opt = numbagrad.optim.SGD([a], lr=0.1)
    (a * a).sum().backward()
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and not grad.requires_grad
    np.testing.assert_array_equal(np.asarray(grad), [0.0, 0.0])


@pytest.mark.parametrize("name", ALL)
def test_parameters_without_grad_are_skipped(name):
    a, b = leaves([1.0, 2.0], [3.0])
    opt = getattr(numbagrad.optim, name)([a, b], **ALL[name])
    (a * a).sum().backward()
    opt.step()
    assert b.item() == 3.0
    assert not a.detach().numpy()[0] == 1.0
    if name != "Adagrad":  # Adagrad builds every parameter's state up front, as torch
        assert b not in opt.state


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


def test_an_in_place_update_invalidates_graphs_that_saved_the_parameter():
    (a,) = leaves([1.0, -2.0])
    opt = numbagrad.optim.SGD([a], lr=0.1)
    loss = (a * a).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


def test_non_contiguous_gradient_and_parameter():
    torch = pytest.importorskip("torch")
    base = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    grad = (np.arange(12, dtype=np.float32).reshape(4, 3) - 5) / 3
    a = numbagrad.tensor(base.copy()).t()  # a non-contiguous leaf
    a.requires_grad_(True)
    a.grad = numbagrad.tensor(grad.T.copy().T)  # non-contiguous too
    t = torch.tensor(base.copy()).t().requires_grad_(True)
    t.grad = torch.tensor(grad)
    ng_opt = numbagrad.optim.Adam([a], lr=0.1)
    t_opt = torch.optim.Adam([t], lr=0.1)
    for _ in range(3):
        ng_opt.step()
        t_opt.step()
    assert not a.is_contiguous()
    np.testing.assert_allclose(np.asarray(a.detach()), t.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ng_opt.state[a]["exp_avg"]),
                               t_opt.state[t]["exp_avg"].numpy(), rtol=1e-6)


def test_a_gradient_of_the_wrong_shape_is_refused_before_the_kernel():
    (a,) = leaves([1.0, 2.0])
    with pytest.raises(RuntimeError, match="assign a gradient of size '\\[3\\]'"):
        a.grad = numbagrad.tensor([1.0, 2.0, 3.0])  # refused where it is assigned
    a.grad = numbagrad.tensor([1.0, 2.0])
    a.grad.data = numbagrad.tensor([1.0, 2.0, 3.0])  # .data swaps the array behind the check
    with pytest.raises(RuntimeError, match=r"gradient has shape \[3\] but the parameter has "
                                           r"shape \[2\]"):
        numbagrad.optim.SGD([a], lr=0.1).step()


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


# ---------------------------------------------------------------------------- state dict
@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_continues_the_same_trajectory(name):
    inits, data = make_problem(seed=1, steps=20)
    cls = getattr(numbagrad.optim, name)
    params = [numbagrad.tensor(x, requires_grad=True) for x in inits]
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.02}], **ALL[name])
    train(opt, params, data[:10])

    saved = copy.deepcopy(opt.state_dict())
    clones = [numbagrad.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    # Different hyper-parameters on purpose: loading must replace them.
    fresh = cls([{"params": clones[:1], "lr": 1.0}, {"params": clones[1:]}])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.02
    assert all(p is q for p, q in zip(fresh.param_groups[1]["params"], clones[1:]))
    assert repr(fresh) == repr(opt)

    train(opt, params, data[10:])
    train(fresh, clones, data[10:])
    for p, q in zip(params, clones):
        np.testing.assert_array_equal(np.asarray(p.detach()), np.asarray(q.detach()))
    for p, q in zip(params, clones):
        for key, value in opt.state[p].items():
            np.testing.assert_array_equal(np.asarray(value), np.asarray(fresh.state[q][key]))


def test_state_dict_format_matches_torch():
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.Adam([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1),
        lambda ps: torch.optim.Adam([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1), steps=3)
    ng_sd, t_sd = ng_opt.state_dict(), t_opt.state_dict()
    assert list(ng_sd) == list(t_sd) == ["state", "param_groups"]
    assert ng_sd["param_groups"] == t_sd["param_groups"]
    assert {i: list(s) for i, s in ng_sd["state"].items()} == \
           {i: list(s) for i, s in t_sd["state"].items()}
    assert ng_sd["state"][0]["step"].item() == t_sd["state"][0]["step"].item() == 3.0


def test_load_state_dict_converts_buffers_to_the_parameter_dtype():
    (a,) = leaves([1.0, 2.0])
    opt = numbagrad.optim.SGD([a], lr=0.1, momentum=0.9)
    buffer = numbagrad.tensor([1.0, 2.0], dtype=numbagrad.float64)
    opt.load_state_dict({"state": {0: {"momentum_buffer": buffer}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    assert opt.state[a]["momentum_buffer"].dtype == numbagrad.float32


def test_load_state_dict_rejects_mismatched_groups():
    a, b = leaves([1.0], [2.0])
    saved = numbagrad.optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="^loaded state dict has a different number of parameter "
                                         "groups$"):
        numbagrad.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        numbagrad.optim.SGD([a], lr=0.1).load_state_dict(saved)


def test_a_state_dict_pickles():
    (a,) = leaves([1.0, -2.0])
    opt = numbagrad.optim.Adam([a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    state = pickle.loads(pickle.dumps(opt.state_dict()))
    np.testing.assert_array_equal(np.asarray(state["state"][0]["exp_avg"]),
                                  np.asarray(opt.state[a]["exp_avg"]))


def test_repr_lists_each_group_sorted():
    (a,) = leaves([1.0])
    assert repr(numbagrad.optim.SGD([a])) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.001\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)"
    )
