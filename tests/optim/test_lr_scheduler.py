"""The learning-rate schedulers and the LRScheduler base, against torch where it is installed:
rate sequences (and momenta), state dicts, warnings and argument errors."""
import copy
import warnings

import numpy as np
import pytest

import numbagrad
from numbagrad.optim.lr_scheduler import LRScheduler, StepLR


def make_optimizer(lib, lrs=(0.1, 0.03)):
    params = [lib.zeros(2, requires_grad=True) for _ in lrs]
    return lib.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], momentum=0.9)


def schedule(lib, epochs=12, **kwargs):
    opt = make_optimizer(lib)
    sched = lib.optim.lr_scheduler.StepLR(opt, **kwargs)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs, opt, sched


@pytest.mark.parametrize("kwargs", [{"step_size": 3}, {"step_size": 1, "gamma": 0.5},
                                    {"step_size": 4, "gamma": 0.9}], ids=str)
def test_steplr_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ng_lrs, ng_opt, ng_sched = schedule(numbagrad, **kwargs)
    t_lrs, t_opt, t_sched = schedule(torch, **kwargs)
    assert ng_lrs == t_lrs
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    assert ng_sched.state_dict() == t_sched.state_dict()


def test_steplr_decays_every_step_size_epochs():
    lrs, opt, sched = schedule(numbagrad, epochs=7, step_size=3, gamma=0.5)
    assert [lr[0] for lr in lrs] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    assert opt.param_groups[0]["initial_lr"] == 0.1 and sched.base_lrs == [0.1, 0.03]
    assert sched.last_epoch == 7


def test_steplr_state_dict_round_trip_resumes_the_schedule():
    lrs, opt, sched = schedule(numbagrad, epochs=4, step_size=3, gamma=0.5)
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    fresh_opt = make_optimizer(numbagrad, lrs=(1.0, 1.0))
    fresh = StepLR(fresh_opt, step_size=10)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    assert fresh.step_size == 3 and fresh.last_epoch == 4 and fresh.get_last_lr() == lrs[-1]
    for _ in range(4):
        for o, s in ((opt, sched), (fresh_opt, fresh)):
            o.step()
            s.step()
        assert fresh.get_last_lr() == sched.get_last_lr()


def test_steplr_with_an_epoch_uses_the_closed_form():
    opt = make_optimizer(numbagrad)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(5)
    assert sched.get_last_lr() == [0.1 * 0.25, 0.03 * 0.25]


def test_scheduler_before_optimizer_step_warns():
    sched = StepLR(make_optimizer(numbagrad), step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_scheduler_after_optimizer_step_does_not_warn():
    opt = make_optimizer(numbagrad)
    sched = StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(make_optimizer(numbagrad), step_size=2, last_epoch=3)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        StepLR([], step_size=2)


def test_a_subclass_defines_get_lr():
    class Halve(LRScheduler):
        def get_lr(self):
            return [base / 2 ** self.last_epoch for base in self.base_lrs]

    opt = make_optimizer(numbagrad)
    sched = Halve(opt)
    opt.step()
    sched.step()
    sched.step()
    assert sched.get_last_lr() == [0.025, 0.0075]
    assert opt.param_groups[1]["lr"] == 0.0075
    with pytest.raises(NotImplementedError):
        LRScheduler.get_lr(sched)


# ----------------------------------------------------------------- every scheduler against torch
def _plain(lib, params, **kwargs):
    return lib.optim.SGD(params, momentum=0.9, **kwargs)


def _adam(lib, params, **kwargs):
    return lib.optim.Adam(params, **kwargs)


class _Halver:
    """A callable object: its __dict__ goes into LambdaLR's state_dict."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, epoch):
        return self.base ** (epoch % 4)


def _lambda_factories(lib):
    return {
        "lambda": lambda opt: lib.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e)),
        "lambda_list": lambda opt: lib.optim.lr_scheduler.LambdaLR(
            opt, [lambda e: 0.9 ** e, _Halver()]),
        "multiplicative": lambda opt: lib.optim.lr_scheduler.MultiplicativeLR(
            opt, lambda e: 0.95),
        "multiplicative_list": lambda opt: lib.optim.lr_scheduler.MultiplicativeLR(
            opt, [lambda e: 0.9, lambda e: 1.01 if e % 2 else 0.98]),
    }


SCHEDULERS = {
    "lambda": (_plain, None, {}),
    "lambda_list": (_plain, None, {}),
    "multiplicative": (_plain, None, {}),
    "multiplicative_list": (_plain, None, {}),
    "step": (_plain, "StepLR", {"step_size": 4, "gamma": 0.5}),
    "multistep": (_plain, "MultiStepLR", {"milestones": [3, 7, 7, 20], "gamma": 0.3}),
    "constant": (_plain, "ConstantLR", {}),
    "constant_args": (_plain, "ConstantLR", {"factor": 0.25, "total_iters": 9}),
    "linear": (_plain, "LinearLR", {}),
    "linear_args": (_plain, "LinearLR", {"start_factor": 0.1, "end_factor": 0.6,
                                         "total_iters": 12}),
    "exponential": (_plain, "ExponentialLR", {"gamma": 0.9}),
    "polynomial": (_plain, "PolynomialLR", {}),
    "polynomial_args": (_plain, "PolynomialLR", {"total_iters": 20, "power": 2.5}),
    "cosine": (_plain, "CosineAnnealingLR", {"T_max": 7}),
    "cosine_args": (_plain, "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    "warm_restarts": (_plain, "CosineAnnealingWarmRestarts", {"T_0": 5}),
    "warm_restarts_args": (_plain, "CosineAnnealingWarmRestarts",
                           {"T_0": 3, "T_mult": 2, "eta_min": 0.002}),
    "cyclic": (_plain, "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    "cyclic_triangular2": (_plain, "CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1,
                                                "step_size_up": 3, "step_size_down": 5,
                                                "mode": "triangular2"}),
    "cyclic_exp_range": (_adam, "CyclicLR", {"base_lr": 0.001, "max_lr": 0.01,
                                             "step_size_up": 5, "mode": "exp_range",
                                             "gamma": 0.97}),
    "cyclic_no_momentum": (_adam, "CyclicLR", {"base_lr": 0.001, "max_lr": 0.01,
                                               "step_size_up": 5, "cycle_momentum": False}),
    "one_cycle": (_plain, "OneCycleLR", {"max_lr": 0.5, "total_steps": 30}),
    "one_cycle_args": (_adam, "OneCycleLR", {"max_lr": [0.5, 0.2], "epochs": 5,
                                             "steps_per_epoch": 6, "pct_start": 0.25,
                                             "anneal_strategy": "linear",
                                             "three_phase": True, "div_factor": 10.0}),
}


def _sgd_groups(lib, make):
    params = [lib.zeros(2, requires_grad=True) for _ in range(2)]
    return make(lib, [{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.03}])


def _lr_sequence(lib, name, steps=30):
    make, cls, kwargs = SCHEDULERS[name]
    opt = _sgd_groups(lib, make)
    if cls is None:
        sched = _lambda_factories(lib)[name](opt)
    else:
        sched = getattr(lib.optim.lr_scheduler, cls)(opt, **kwargs)
    history = [(sched.get_last_lr(), _hyper(opt))]
    for _ in range(steps - 1):
        opt.step()
        sched.step()
        history.append((sched.get_last_lr(), _hyper(opt)))
    return history, opt, sched


def _hyper(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _comparable(state):
    """A scheduler state dict without the entries that hold callables (compared by identity)."""
    return {k: ([_comparable(s) for s in v] if k == "_schedulers" else v)
            for k, v in state.items() if k not in ("lr_lambdas",)}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_matches_torch(name):
    torch = pytest.importorskip("torch")
    ng_history, ng_opt, ng_sched = _lr_sequence(numbagrad, name)
    t_history, t_opt, t_sched = _lr_sequence(torch, name)
    assert len(ng_history) == 30
    # The same Python arithmetic in the same order: the rates agree exactly.
    for step, (ng, t) in enumerate(zip(ng_history, t_history)):
        assert ng == t, f"step {step}"
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    assert _comparable(ng_sched.state_dict()) == _comparable(t_sched.state_dict())
    assert ng_sched.state_dict().get("lr_lambdas") == t_sched.state_dict().get("lr_lambdas")


def _composite(lib, kind):
    lrs = lib.optim.lr_scheduler
    opt = _sgd_groups(lib, _plain)
    if kind == "sequential":
        sched = lrs.SequentialLR(opt, [lrs.LinearLR(opt, start_factor=0.2, total_iters=4),
                                       lrs.ExponentialLR(opt, gamma=0.9),
                                       lrs.StepLR(opt, step_size=3, gamma=0.5)],
                                 milestones=[5, 12])
    elif kind == "sequential_cosine":
        sched = lrs.SequentialLR(opt, [lrs.ConstantLR(opt, factor=0.5, total_iters=3),
                                       lrs.CosineAnnealingLR(opt, T_max=8)], milestones=[6])
    else:
        sched = lrs.ChainedScheduler([lrs.ConstantLR(opt, factor=0.1, total_iters=4),
                                      lrs.ExponentialLR(opt, gamma=0.9),
                                      lrs.MultiStepLR(opt, milestones=[10, 20])])
    history = [sched.get_last_lr()]
    for _ in range(29):
        opt.step()
        sched.step()
        history.append(sched.get_last_lr())
    return history, sched


@pytest.mark.parametrize("kind", ["sequential", "sequential_cosine", "chained"])
def test_composite_schedulers_match_torch(kind):
    torch = pytest.importorskip("torch")
    ng, ng_sched = _composite(numbagrad, kind)
    t, t_sched = _composite(torch, kind)
    for step, (a, b) in enumerate(zip(ng, t)):
        assert a == b, f"step {step}"
    assert ng_sched.state_dict() == t_sched.state_dict()


PLATEAU_ARGS = [{}, {"patience": 2, "factor": 0.5},
                {"mode": "max", "patience": 1, "threshold": 0.05, "cooldown": 2},
                {"threshold_mode": "abs", "threshold": 0.1, "patience": 0, "min_lr": [0.02, 0.0],
                 "eps": 1e-3}]
METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.85, 0.85, 0.86, 0.7, 0.71, 0.72, 0.73, 0.74,
           0.75, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.6, 0.6, 0.6, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4]


def _plateau(lib, kwargs):
    opt = _sgd_groups(lib, _plain)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    history = []
    for metric in METRICS:
        opt.step()
        sched.step(metric)
        history.append(sched.get_last_lr())
    return history, sched


@pytest.mark.parametrize("kwargs", PLATEAU_ARGS, ids=str)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ng, ng_sched = _plateau(numbagrad, kwargs)
    t, t_sched = _plateau(torch, kwargs)
    assert ng == t
    assert ng_sched.state_dict() == t_sched.state_dict()
    assert len(set(map(tuple, ng))) > (1 if kwargs else 0)  # the rate did drop


def test_reduce_lr_on_plateau_accepts_a_tensor_metric_and_checks_arguments():
    opt = make_optimizer(numbagrad)
    sched = numbagrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(numbagrad.tensor(1.0))
    sched.step(numbagrad.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])
    with pytest.raises(ValueError, match="^Factor should be < 1.0.$"):
        numbagrad.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="^mode sideways is unknown!$"):
        numbagrad.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="sideways")


@pytest.mark.parametrize("name", ["step", "cosine", "cyclic", "one_cycle", "warm_restarts",
                                  "lambda_list"])
def test_scheduler_state_dict_resumes_the_schedule(name):
    history, opt, sched = _lr_sequence(numbagrad, name, steps=10)
    saved = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    expected, _, _ = _lr_sequence(numbagrad, name, steps=20)
    fresh_history, fresh_opt, fresh = _lr_sequence(numbagrad, name, steps=1)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    assert fresh.get_last_lr() == history[-1][0]
    for step in range(10, 20):
        fresh_opt.step()
        fresh.step()
        assert fresh.get_last_lr() == pytest.approx(expected[step][0], rel=1e-12)


@pytest.mark.parametrize("name", [n for n in SCHEDULERS if SCHEDULERS[n][1] is not None]
                         + ["lambda", "multiplicative"])
def test_every_scheduler_warns_when_stepped_before_the_optimizer(name):
    make, cls, kwargs = SCHEDULERS[name]
    opt = _sgd_groups(numbagrad, make)
    if cls is None:
        sched = _lambda_factories(numbagrad)[name](opt)
    else:
        sched = getattr(numbagrad.optim.lr_scheduler, cls)(opt, **kwargs)
    if cls == "CosineAnnealingWarmRestarts":  # its own step, without the check (as torch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched.step()
        return
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = numbagrad.optim.lr_scheduler.ExponentialLR(make_optimizer(numbagrad), gamma=0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


@pytest.mark.parametrize("cls, kwargs, error, message", [
    ("ConstantLR", {"factor": 1.5}, ValueError, "between 0 and 1"),
    ("LinearLR", {"start_factor": 0}, ValueError, "greater than 0"),
    ("LinearLR", {"end_factor": 2}, ValueError, "Ending multiplicative factor"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, ValueError,
     "Expected positive integer T_0, but got 0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 0}, ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "mode": "square"}, ValueError,
     "mode is invalid and scale_fn is None"),
    ("CyclicLR", {"base_lr": [0.1], "max_lr": 1.0}, ValueError,
     "base_lr must have the same length as optimizer.param_groups"),
    ("OneCycleLR", {"max_lr": 1.0}, ValueError, "You must define either total_steps"),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 10, "pct_start": 1}, ValueError,
     "Expected float between 0 and 1 pct_start, but got 1"),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 10, "anneal_strategy": "step"},
     ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got step"),
])
def test_scheduler_argument_errors(cls, kwargs, error, message):
    with pytest.raises(error, match=message):
        getattr(numbagrad.optim.lr_scheduler, cls)(make_optimizer(numbagrad), **kwargs)


def test_cycling_momentum_needs_momentum_and_one_cycle_stops_at_the_end():
    w = numbagrad.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        numbagrad.optim.lr_scheduler.CyclicLR(numbagrad.optim.Adagrad([w]), 0.1, 1.0)
    opt = numbagrad.optim.SGD([w], lr=0.1, momentum=0.9)
    sched = numbagrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="^Tried to step 4 times. The specified number of total "
                                         "steps is 3$"):
        opt.step()
        sched.step()


def test_sequential_and_chained_reject_bad_schedulers():
    lrs = numbagrad.optim.lr_scheduler
    opt, other = make_optimizer(numbagrad), make_optimizer(numbagrad)
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        lrs.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestone points"):
        lrs.SequentialLR(opt, [lrs.ExponentialLR(opt, 0.9)], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lrs.ChainedScheduler([lrs.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9), lrs.ExponentialLR(other, 0.9)])


def test_a_tensor_learning_rate_is_filled_in_place():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (numbagrad, torch):
        lr = lib.tensor(0.1)
        opt = lib.optim.Adam([lib.zeros(2, requires_grad=True)], lr=lr)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        results.append([float(x) for x in sched.get_last_lr()] + [float(lr)])
    assert results[0] == pytest.approx(results[1], rel=1e-6)
    assert results[0][-1] == pytest.approx(0.0125)


def test_warm_restarts_with_fractional_epochs_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (numbagrad, torch):
        opt = _sgd_groups(lib, _plain)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in np.arange(0, 12, 0.25):
                opt.step()
                sched.step(float(epoch))
                lrs.append(sched.get_last_lr())
        out.append(lrs)
    assert out[0] == out[1]
