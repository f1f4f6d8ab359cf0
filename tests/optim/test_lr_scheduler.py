"""StepLR and the LRScheduler base, against torch 2.x where torch is installed."""
import copy
import warnings

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
