"""LBFGS against torch: with and without the strong-Wolfe line search, float32 and float64."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import loss_of, make_problem

OPTIONS = [
    {},
    {"lr": 0.5, "max_iter": 5, "history_size": 3},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "lr": 0.5, "max_iter": 5, "history_size": 3},
]


def _run(lib, options, steps, dtype=np.float32):
    """LBFGS over the trajectory problem's first batch: the losses and parameters after each
    step, and the optimizer."""
    inits, data = make_problem(0, 1, dtype)
    xs, ys = data[0]
    params = [lib.tensor(a.copy(), requires_grad=True) for a in inits]
    opt = lib.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = loss_of(lib, params, xs, ys)
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        history.append((float(loss.detach()), [np.asarray(p.detach()).copy() for p in params]))
    return history, opt


def _rosenbrock(lib, dtype, options, steps):
    xy = lib.tensor(np.array([-1.5, 2.0], dtype), requires_grad=True)
    opt = lib.optim.LBFGS([xy], **options)

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append(np.asarray(xy.detach()).copy())
    return out, opt


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_lbfgs_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_history, ng_opt = _run(numbagrad, options, 3)
    t_history, t_opt = _run(torch, options, 3)
    for (ng_loss, ng_params), (t_loss, t_params) in zip(ng_history, t_history):
        np.testing.assert_allclose(ng_loss, t_loss, rtol=1e-3, atol=1e-6)
        for a, b in zip(ng_params, t_params):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    ng_state = ng_opt.state[ng_opt.param_groups[0]["params"][0]]
    t_state = t_opt.state[t_opt.param_groups[0]["params"][0]]
    assert sorted(ng_state) == sorted(t_state)
    assert ng_state["func_evals"] == t_state["func_evals"]
    assert ng_state["n_iter"] == t_state["n_iter"]
    assert len(ng_state["old_dirs"]) == len(t_state["old_dirs"])
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_rosenbrock_matches_torch_in_float64(line_search_fn):
    torch = pytest.importorskip("torch")
    options = {"line_search_fn": line_search_fn, "lr": 0.5 if line_search_fn is None else 1,
               "max_iter": 10}
    ng, ng_opt = _rosenbrock(numbagrad, np.float64, options, 4)
    t, t_opt = _rosenbrock(torch, np.float64, options, 4)
    for a, b in zip(ng, t):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    ng_state = ng_opt.state[ng_opt.param_groups[0]["params"][0]]
    t_state = t_opt.state[t_opt.param_groups[0]["params"][0]]
    assert ng_state["func_evals"] == t_state["func_evals"]


def test_lbfgs_converges_with_the_line_search():
    out, _ = _rosenbrock(numbagrad, np.float64, {"line_search_fn": "strong_wolfe"}, 5)
    np.testing.assert_allclose(out[-1], [1.0, 1.0], atol=1e-4)


def test_lbfgs_defaults():
    w = numbagrad.zeros(2, requires_grad=True)
    group = numbagrad.optim.LBFGS([w]).param_groups[0]
    assert group["lr"] == 1 and group["max_iter"] == 20 and group["max_eval"] == 25
    assert group["tolerance_grad"] == 1e-7 and group["tolerance_change"] == 1e-9
    assert group["history_size"] == 100 and group["line_search_fn"] is None


def test_lbfgs_errors():
    w = numbagrad.zeros(2, requires_grad=True)
    opt = numbagrad.optim.LBFGS([w])
    with pytest.raises(TypeError, match=r"step\(\) missing 1 required positional argument: "
                                        "'closure'"):
        opt.step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        numbagrad.optim.LBFGS([{"params": [w]}, {"params": [numbagrad.zeros(1)]}])
    bad = numbagrad.optim.LBFGS([w], line_search_fn="armijo")

    def closure():
        bad.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        bad.step(closure)
