"""Every optimizer's update, captured in a compiled step, gives eager mode's weights over 30
steps, to the last bit (the step calls the update kernels' machine code that eager mode ran).
NAdam's and ASGD's Python part keeps scalar recurrences in 0-d state tensors (run in double
precision on the host, as torch's are); they are read and written as the step counters are,
so those steps compile too. After the first compiled calls, each optimizer's scalars come from
its scalar-only path (``FastScalars``), checked against a full collection once."""
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn

OPTIMIZERS = {
    "SGD": dict(lr=0.05),
    "SGD-momentum-nesterov-decay": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "SGD-dampening-maximize": dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True),
    "Adam": dict(lr=0.01),
    "Adam-amsgrad-decay": dict(lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": dict(lr=0.01, weight_decay=0.1),
    "RMSprop": dict(lr=0.01),
    "RMSprop-centered-momentum": dict(lr=0.01, centered=True, momentum=0.9),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(lr=1.0),
    "Adamax": dict(lr=0.01),
    "NAdam": dict(lr=0.01),
    "RAdam": dict(lr=0.01),
    "ASGD": dict(lr=0.01),
    "Rprop": dict(lr=0.01),
}


def _setup(name):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2))
    cls = getattr(torch.optim, name.split("-")[0])
    return model, cls(model.parameters(), **OPTIMIZERS[name])


def _step(model, optimizer, x, y):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def _run(fn, setup, steps=30):
    rng = np.random.default_rng(3)
    batches = [(torch.from_numpy(rng.standard_normal((6, 5)).astype(np.float32)),
                torch.from_numpy(rng.standard_normal((6, 2)).astype(np.float32)))
               for _ in range(3)]
    losses = [fn(*setup, *batches[k % 3]).item() for k in range(steps)]
    return losses, [p.detach().numpy().copy() for p in setup[0].parameters()]


EAGER: set = set()  # optimizers whose steps run eagerly (none today)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_compiled_optimizer_step_equals_eager(name):
    eager = _run(_step, _setup(name))
    compiled = torch.compile(_step)
    if name in EAGER:
        with pytest.warns(UserWarning, match=r"runs eagerly: Tensor.item\(\)") as caught:
            got = _run(compiled, _setup(name))
        assert len([w for w in caught if "runs eagerly" in str(w.message)]) == 1
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # a fallback would warn: it must not
            got = _run(compiled, _setup(name))
    np.testing.assert_array_equal(got[0], eager[0])
    for p, q in zip(got[1], eager[1]):
        np.testing.assert_array_equal(p, q)
    assert compiled.cache.captures == 1
    if name not in EAGER:
        (entry,) = [e for e in compiled.cache.entries.values() if e.state == "compiled"]
        assert all(entry.step.fast), "the scalar-only path was not taken"


def _edit_lr(model, optimizer, k):
    for group in optimizer.param_groups:
        group["lr"] = group["lr"] * 0.9  # a scheduler's edit: read at every call


def _replace_state(model, optimizer, k):
    if k == 10:  # a state buffer replaced: the step is captured again
        p = optimizer.param_groups[0]["params"][0]
        optimizer.state[p]["exp_avg"] = optimizer.state[p]["exp_avg"].clone()


def _reload_state(model, optimizer, k):
    if k == 10:  # load_state_dict replaces the state and groups
        optimizer.load_state_dict(optimizer.state_dict())


def _skew_counter(model, optimizer, k):
    if k == 10:  # one parameter's step counter apart: its scalars differ from the others'
        p = optimizer.param_groups[0]["params"][0]
        optimizer.state[p]["step"].fill_(3.0)


@pytest.mark.parametrize("name,edit", [("Adam", _edit_lr), ("NAdam", _edit_lr),
                                       ("ASGD", _edit_lr), ("Adam", _replace_state),
                                       ("Adam", _reload_state), ("Adam", _skew_counter),
                                       ("NAdam", _skew_counter)])
def test_compiled_optimizer_follows_changes_between_steps(name, edit):
    """Edits between calls reach the compiled step as they reach eager steps: hyper-parameters
    through the scalar-only path, other changes through a collection or a new capture."""
    runs = []
    for fn in (_step, torch.compile(_step)):
        model, optimizer = setup = _setup(name)
        rng = np.random.default_rng(4)
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(20):
                x = torch.from_numpy(rng.standard_normal((6, 5)).astype(np.float32))
                y = torch.from_numpy(rng.standard_normal((6, 2)).astype(np.float32))
                losses.append(fn(*setup, x, y).item())
                edit(model, optimizer, k)
        state = [(k, v.detach().numpy().copy()) for s in optimizer.state.values()
                 for k, v in s.items()]
        runs.append((losses, [p.detach().numpy().copy() for p in model.parameters()], state))
    (eager_losses, eager_params, eager_state), (losses, params, state) = runs
    assert losses == eager_losses
    for p, q in zip(params, eager_params):
        np.testing.assert_array_equal(p, q)
    assert [k for k, _ in state] == [k for k, _ in eager_state]
    for (_, a), (_, b) in zip(state, eager_state):
        np.testing.assert_array_equal(a, b)


def test_scheduler_made_after_compiled_steps():
    """A scheduler wraps ``optimizer.step`` to see it run; compiled calls that do not run it
    still count as optimizer steps (no warning about the order), and the rates it sets are
    those the compiled step uses."""
    runs = []
    for fn in (_step, torch.compile(_step)):
        model, optimizer = setup = _setup("Adam")
        rng = np.random.default_rng(5)
        batches = [(torch.from_numpy(rng.standard_normal((6, 5)).astype(np.float32)),
                    torch.from_numpy(rng.standard_normal((6, 2)).astype(np.float32)))
                   for _ in range(12)]
        losses = [fn(*setup, *batches[k]).item() for k in range(4)]
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            for k in range(4, 12):
                losses.append(fn(*setup, *batches[k]).item())
                scheduler.step()
        runs.append((losses, [p.detach().numpy().copy() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    for p, q in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("name", ["Adam", "SGD-momentum-nesterov-decay", "NAdam"])
@pytest.mark.parametrize("scheduler", ["StepLR", "CosineAnnealingLR"])
def test_scheduler_made_before_the_capture(name, scheduler):
    """The tutorials' order: optimizer, scheduler, then the training loop, the scheduler
    stepped once per epoch outside the compiled step. The scheduler's wrapper of
    ``optimizer.step`` is in place when the step is captured: the capture still sees an
    optimizer step (its scalars read at every call, its counters advanced)."""
    runs = []
    for fn in (_step, torch.compile(_step)):
        model, optimizer = setup = _setup(name)
        sched = (torch.optim.lr_scheduler.StepLR(optimizer, 2, gamma=0.5)
                 if scheduler == "StepLR" else
                 torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5))
        rng = np.random.default_rng(7)
        batches = [(torch.from_numpy(rng.standard_normal((6, 5)).astype(np.float32)),
                    torch.from_numpy(rng.standard_normal((6, 2)).astype(np.float32)))
                   for _ in range(3)]
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            for epoch in range(5):
                losses += [fn(*setup, *batch).item() for batch in batches]
                sched.step()
        state = [v.detach().numpy().copy() for st in optimizer.state.values()
                 for v in st.values()]
        runs.append((losses, [p.detach().numpy().copy() for p in model.parameters()], state))
    assert runs[0][0] == runs[1][0]
    for p, q in zip(runs[0][1] + runs[0][2], runs[1][1] + runs[1][2]):
        np.testing.assert_array_equal(p, q)
    assert fn.cache.captures == 1


def test_update_outside_a_seen_step_runs_eagerly():
    """A wrapper on the instance holding the class's ``step`` function itself, which the
    capture's swap cannot reach: the update is refused rather than replayed with the
    capture's learning rate and counters."""
    runs = []
    for compiled in (False, True):
        model, optimizer = setup = _setup("Adam")
        func = torch.optim.Optimizer.step
        optimizer.step = lambda *args, opt=optimizer: func(opt, *args)
        fn = torch.compile(_step) if compiled else _step
        if compiled:
            with pytest.warns(UserWarning, match="Adam's update ran outside Optimizer.step"):
                losses = _run(fn, setup, steps=8)
        else:
            losses = _run(fn, setup, steps=8)
        runs.append(losses)
    assert runs[0][0] == runs[1][0]


def test_parameter_without_gradient_in_a_group():
    """A parameter of the optimizer that the step does not reach keeps no gradient: the
    scalar-only path skips it as ``step`` does, and setting its gradient between calls is
    seen."""
    def step(model, optimizer, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()  # gradients accumulate: a gradient set between calls is used
        optimizer.step()
        return loss

    runs = []
    for fn in (step, torch.compile(step)):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2))
        unused = nn.Parameter(torch.ones(3))
        optimizer = torch.optim.Adam(list(model.parameters()) + [unused], lr=0.01)
        rng = np.random.default_rng(6)
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(12):
                x = torch.from_numpy(rng.standard_normal((6, 5)).astype(np.float32))
                y = torch.from_numpy(rng.standard_normal((6, 2)).astype(np.float32))
                losses.append(fn(model, optimizer, x, y).item())
                if k == 6:
                    if fn is not step:  # the scalar-only path ran until now
                        assert [e.step.fast for e in fn.cache.entries.values()
                                if e.state == "compiled"][0][0]
                    unused.grad = torch.full((3,), 0.5)
        runs.append((losses, [p.detach().numpy().copy() for p in optimizer.param_groups[0]
                              ["params"]]))
    assert runs[0][0] == runs[1][0]
    for p, q in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(p, q)


def test_zero_grad_after_the_optimizer_step():
    """``zero_grad()`` at the end of the step (after ``optimizer.step()``): the compiled step
    hands the optimizer the gradients the backward made, and leaves ``.grad`` None as eager
    mode does; one capture."""
    def step(model, optimizer, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    compiled = torch.compile(step)
    runs = []
    for fn in (step, compiled):
        setup = _setup("Adam")
        losses, params = _run(fn, setup, steps=12)
        runs.append((losses, params, [p.grad for p in setup[0].parameters()]))
    assert runs[0][0] == runs[1][0]
    for p, q in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(p, q)
    assert all(g is None for g in runs[1][2])
    assert compiled.cache.captures == 1
