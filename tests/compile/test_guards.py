"""A compiled step is reused only while what it was captured on holds; otherwise it retraces.

Each test changes one thing between calls (input shape or dtype, a replaced parameter, an
edited learning rate, grad mode) in an eager run and a compiled run alike, and checks that the
compiled run still gives eager's numbers exactly and says why it recompiled.
"""
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn


def _setup(seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(4, 3)
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def step(model, criterion, optimizer, x, y):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def _step_with(predict):
    """``step`` with the prediction ``predict(model, x, *extra)`` in place of ``model(x)``
    (``extra``: the step's arguments after ``y``)."""
    def fn(model, criterion, optimizer, x, y, *extra):
        loss = criterion(predict(model, x, *extra), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return fn


def _batch(n, k, dtype=np.float32):
    rng = np.random.default_rng(k)
    return (torch.from_numpy(rng.standard_normal((n, 4)).astype(dtype)),
            torch.from_numpy(rng.standard_normal((n, 3)).astype(dtype)))


def _twins(fn, schedule, edit=None, make=_setup):
    """Run ``schedule`` (batch sizes) eagerly and compiled on twin setups made by ``make``;
    ``edit(setup, k)`` changes a setup before step ``k``. Returns both runs' losses and
    weights, and the compiled function."""
    compiled = torch.compile(fn)
    runs = []
    for f in (fn, compiled):
        setup = make()
        losses = []
        for k, n in enumerate(schedule):
            if edit is not None:
                edit(setup, k)
            losses.append(f(*setup, *_batch(n, k)).item())
        runs.append((losses, [p.detach().numpy().copy() for p in setup[0].parameters()]))
    (la, wa), (lb, wb) = runs
    assert la == lb
    for p, q in zip(wa, wb):
        np.testing.assert_array_equal(p, q)
    return compiled


def _log(compiled):
    return "\n".join(compiled.cache.log)


def test_shape_change_retraces():
    compiled = _twins(step, [5, 5, 5, 2, 2, 2, 5, 5])
    assert len(compiled.sources) == 2  # one step per batch size, the first one reused after
    assert "shapes" in _log(compiled)


def test_dtype_change_retraces():
    def f(a, b):
        return (a * b + a).neg()

    compiled = torch.compile(f)
    for dtype in (np.float32, np.float64, np.float32):
        for k in range(3):
            a, b = _batch(3, k, dtype)[0], _batch(3, k + 7, dtype)[0]
            out, expected = compiled(a, b), f(a, b)
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert len(compiled.sources) == 2


def test_replaced_parameter_retraces():
    def edit(setup, k):
        if k == 4:
            model, _, optimizer = setup
            new = nn.Parameter(torch.ones(3, 4) * 0.1)
            model.weight = new
            optimizer.param_groups[0]["params"][0] = new

    compiled = _twins(step, [3] * 9, edit)
    assert "replaced" in _log(compiled)
    assert len(compiled.sources) == 2


def test_parameter_data_replaced_retraces():
    def edit(setup, k):
        if k == 4:
            setup[0].bias.data = torch.zeros(3)

    compiled = _twins(step, [3] * 8, edit)
    assert "data was replaced" in _log(compiled)


def test_edited_learning_rate_is_read_at_call_time():
    def edit(setup, k):
        if k == 4:
            setup[2].param_groups[0]["lr"] = 0.2
        if k == 6:
            setup[2].param_groups[0]["momentum"] = 0.5

    compiled = _twins(step, [3] * 9, edit)
    assert len(compiled.sources) == 1  # a hyper-parameter is an argument, not a recompile


def test_scheduler_learning_rate_is_followed():
    def edit(setup, k):
        for group in setup[2].param_groups:
            group["lr"] = 0.05 * 0.9 ** k

    compiled = _twins(step, [3] * 8, edit)
    assert len(compiled.sources) == 1


def _step_then(edit_group):
    """``step`` followed by Python that changes the learning rate: nothing a replay runs."""

    def fn(model, criterion, optimizer, x, y):
        loss = step(model, criterion, optimizer, x, y)
        edit_group(optimizer)
        return loss

    return fn


def _halve(optimizer):
    for group in optimizer.param_groups:
        group["lr"] = group["lr"] * 0.5


def _lr_before_step(model, criterion, optimizer, x, y):
    optimizer.param_groups[0]["lr"] = optimizer.param_groups[0]["lr"] * 0.9
    return step(model, criterion, optimizer, x, y)


@pytest.mark.parametrize("fn", [_step_then(_halve), _lr_before_step], ids=["after", "before"])
def test_learning_rate_written_inside_the_step_runs_eagerly(fn):
    with pytest.warns(UserWarning, match="param_groups were changed inside the compiled"):
        _twins(fn, [3] * 6)


def test_scheduler_stepped_inside_the_step_runs_eagerly():
    schedulers = {}

    def fn(model, criterion, optimizer, x, y):
        if id(optimizer) not in schedulers:
            # StepLR(step_size=2): the rate changes every other call, so the call captured
            # and the next ones differ in the scheduler's counter as well as in the rate.
            schedulers[id(optimizer)] = torch.optim.lr_scheduler.StepLR(optimizer, 2, 0.5)
        loss = step(model, criterion, optimizer, x, y)
        schedulers[id(optimizer)].step()
        return loss

    with pytest.warns(UserWarning, match=r"StepLR.step\(\) inside the compiled function|"
                      r"LRScheduler.step\(\) inside the compiled function"):
        _twins(fn, [3] * 7)


class _PlainSGD(torch.optim.Optimizer):
    """A user's optimizer: its ``step`` reads the learning rate as a Python number."""

    def __init__(self, params, lr):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])


def _own_step_setup(seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(4, 3)
    return model, nn.MSELoss(), _PlainSGD(model.parameters(), lr=0.05)


def test_own_optimizer_learning_rate_change_retraces():
    def edit(setup, k):
        if k in (3, 5):
            setup[2].param_groups[0]["lr"] *= 0.5

    compiled = _twins(step, [3] * 8, edit, _own_step_setup)
    assert "_PlainSGD.param_groups[0] changed (lr: 0.05 -> 0.025)" in _log(compiled)
    assert len(compiled.sources) == 3


def test_own_optimizer_new_group_retraces():

    def edit(setup, k):
        if k == 4:  # a group of its own for the bias: the step must update it too
            model, _, optimizer = setup
            group = optimizer.param_groups[0]
            group["params"] = [model.weight]
            optimizer.add_param_group({"params": [model.bias], "lr": 0.2})

    compiled = _twins(step, [3] * 7, edit, _own_step_setup)
    assert "_PlainSGD's param_groups changed" in _log(compiled)


SCALES = [1.0, 0.5]


class _Config:
    pass


CONFIG = _Config()
CONFIG.train = _Config()
CONFIG.train.alpha = 0.5


class _ListScaled(nn.Module):
    """A user's module whose forward reads a number out of a list attribute."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.scales = [1.0, 2.0]
        self.history = []  # not read by its methods: not guarded

    def forward(self, x):
        return self.lin(x) * self.scales[0]


def _list_setup(seed=0):
    torch.manual_seed(seed)
    model = _ListScaled()
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)


_read_list = _step_with(lambda model, x: model(x) * SCALES[1])
_read_nested = _step_with(lambda model, x: model(x).add(x[:, :3], alpha=CONFIG.train.alpha))


@pytest.mark.parametrize("case", ["module list", "global list", "nested config"])
def test_values_read_from_containers_are_guarded(case):
    """A number read out of a list or a nested configuration object is a constant of the
    compiled step: a change of the container's content retraces."""
    def edit(setup, k):
        if case == "module list":
            setup[0].scales[0] = 1.0 + 0.25 * k
            setup[0].history.append(k)
        elif case == "global list":
            SCALES[1] = 0.5 + 0.25 * k
        else:
            CONFIG.train.alpha = 0.5 + 0.25 * k

    fn = _read_nested if case == "nested config" else _read_list
    try:
        compiled = _twins(fn, [3] * 6, lambda setup, k: edit(setup, k // 3), _list_setup)
    finally:
        SCALES[1], CONFIG.train.alpha = 0.5, 0.5
    what = {"module list": "module attribute 'scales'", "global list": "SCALES",
            "nested config": "CONFIG"}[case]
    assert f"the content of {what} changed" in _log(compiled)


@pytest.mark.parametrize("kind", ["dict", "namespace", "long list"])
def test_container_argument_content_is_guarded(kind):
    """The call key names a dict, a configuration object or a long list argument by identity:
    its content is compared at each call."""
    import argparse

    def make():
        return ({"scale": 1.0} if kind == "dict" else argparse.Namespace(scale=1.0)
                if kind == "namespace" else [1.0] * 10)

    def read(hp):
        return hp["scale"] if kind == "dict" else hp.scale if kind == "namespace" else hp[0]

    def write(hp, value):
        if kind == "dict":
            hp["scale"] = value
        elif kind == "namespace":
            hp.scale = value
        else:
            hp[0] = value

    fn = _step_with(lambda model, x, hp: model(x) * read(hp))
    compiled = torch.compile(fn)
    runs = []
    for f in (fn, compiled):
        setup, hp = _setup(), make()
        losses = []
        for k in range(7):
            write(hp, 1.0 + 0.25 * (k // 3))
            losses.append(f(*setup, *_batch(3, k), hp).item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert "the content of argument 5 changed" in _log(compiled)


def test_list_of_batch_tensors_does_not_retrace():
    def fn(model, criterion, optimizer, batch):
        x, y = batch
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    compiled = torch.compile(fn)
    setup = _setup()
    for k in range(6):
        compiled(*setup, list(_batch(3, k)))
    assert compiled.cache.captures == 1 and not compiled.cache.log


class _Trainer:
    """A trainer object whose bound method is compiled: what it reads through ``self``."""

    def __init__(self):
        self.model, self.criterion, self.optimizer = _setup()
        self.scale = 1.0

    def train_step(self, x, y):
        loss = self.criterion(self.model(x) * self.scale, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss


def test_bound_method_is_captured_and_guarded_on_self():
    eager, other = _Trainer(), _Trainer()
    compiled = torch.compile(other.train_step)
    for k in range(8):
        eager.scale = other.scale = 1.0 + 0.5 * (k // 4)
        assert eager.train_step(*_batch(3, k)).item() == compiled(*_batch(3, k)).item()
    assert compiled.sources, "the bound method ran eagerly"
    assert "scale changed from 1.0 to 1.5" in _log(compiled)
    for p, q in zip(eager.model.parameters(), other.model.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_replaced_buffer_retraces():
    """BatchNorm's running statistics replaced between calls: the step writes the new ones."""
    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
        return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)

    def edit(setup, k):
        if k == 3:
            setup[0][1].running_mean = torch.ones(3)

    runs = []
    compiled = torch.compile(step)
    for f in (step, compiled):
        setup = make()
        for k in range(6):
            edit(setup, k)
            f(*setup, *_batch(3, k))
        runs.append(setup[0][1].running_mean.numpy().copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert "buffer 'running_mean' was replaced" in _log(compiled)


ACTIVATION = torch.relu


class _Activated(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.act = torch.relu

    def forward(self, x):
        return self.act(self.lin(x))


def _activated_setup(seed=0):
    torch.manual_seed(seed)
    model = _Activated()
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)


_global_activation = _step_with(lambda model, x: ACTIVATION(model(x)))


@pytest.mark.parametrize("case", ["submodule", "global function", "module function"])
def test_replaced_function_or_submodule_retraces(case):
    """What the step calls, replaced between calls: a submodule of a Sequential, a function
    named by a global, a function held by a module attribute."""
    global ACTIVATION

    def make():
        if case == "submodule":
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
            return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)
        return _activated_setup()

    def edit(setup, k):
        global ACTIVATION
        if k != 3:
            return
        if case == "submodule":
            setup[0][1] = nn.Tanh()
        elif case == "global function":
            ACTIVATION = torch.tanh
        else:
            setup[0].act = torch.tanh

    fn = _global_activation if case == "global function" else step
    runs = []
    compiled = torch.compile(fn)
    try:
        for f in (fn, compiled):
            ACTIVATION = torch.relu
            setup = make()
            runs.append([f(*setup, *_batch(3, k)).item()
                         for k in range(6) if edit(setup, k) is None])
    finally:
        ACTIVATION = torch.relu
    assert runs[0] == runs[1]
    want = {"submodule": "submodule '1' was replaced",
            "global function": "ACTIVATION now names another object",
            "module function": "module attribute 'act' now names another object"}[case]
    assert want in _log(compiled)


def test_default_dtype_is_part_of_the_key():
    # float64 after the change
    fn = _step_with(lambda model, x: model(x) + torch.ones(3) * 0.5)
    compiled = torch.compile(fn)
    runs = []
    try:
        for f in (fn, compiled):
            torch.set_default_dtype(torch.float32)
            setup = _setup()
            losses = []
            for k in range(6):
                if k == 3:
                    torch.set_default_dtype(torch.float64)
                loss = f(*setup, *_batch(3, k))
                losses.append((loss.dtype, loss.item()))
            runs.append(losses)
    finally:
        torch.set_default_dtype(torch.float32)
    assert runs[0] == runs[1]
    assert runs[1][-1][0] == torch.float64


class _Masked(nn.Module):
    """A module holding a tensor as a plain attribute, not a buffer."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.mask = torch.ones(3)

    def forward(self, x):
        return self.lin(x) * self.mask


def test_tensor_attribute_is_captured_and_guarded():
    def make():
        torch.manual_seed(0)
        model = _Masked()
        return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)

    def edit(setup, k):
        if k == 3:
            setup[0].mask = torch.tensor([1.0, 0.0, 2.0])

    compiled = _twins(step, [3] * 6, edit, make)
    assert compiled.sources, "the step ran eagerly"
    assert "tensor attribute 'mask' was replaced" in _log(compiled)


def test_large_container_is_left_unguarded():
    big = list(range(1000))

    fn = _step_with(lambda model, x: model(x) * (len(big) / 1000))
    compiled = _twins(fn, [3] * 4)
    assert len(compiled.sources) == 1


def test_grad_mode_is_part_of_the_key():
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    compiled = torch.compile(model)
    x = _batch(2, 0)[0]
    with torch.no_grad():
        for _ in range(3):
            np.testing.assert_array_equal(compiled(x).numpy(), model(x).numpy())
    assert len(compiled._compiled.sources) == 1
    with pytest.warns(UserWarning, match="backward was not called inside"):
        for _ in range(3):
            out = compiled(x)
    assert out.requires_grad and out.grad_fn is not None  # eager: the graph is there
    out.sum().backward()
    assert model.weight.grad is not None


def test_recompile_limit_warns_and_runs_eagerly():
    def f(a):
        return a * a

    compiled = torch.compile(f, recompile_limit=2)
    with pytest.warns(UserWarning, match="recompile limit"):
        for n in (1, 2, 3, 4):
            for _ in range(2):
                a = torch.ones(n)
                np.testing.assert_array_equal(compiled(a).numpy(), f(a).numpy())
    assert compiled.cache.captures == 2


def test_no_stale_buffers_across_inputs():
    """Each call's inputs reach the compiled step (copied into its buffers)."""
    def f(a, b):
        return a * b - a

    compiled = torch.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for k in range(5):
            a, b = _batch(4, k)[0], _batch(4, k + 7)[0]
            np.testing.assert_array_equal(compiled(a, b).numpy(), f(a, b).numpy())


def test_optimizer_state_edits_rerun_eagerly_without_double_counting():
    """An edit the argument and parameter guards cannot see (momentum turned on, which creates
    state; an Adam state buffer replaced) is found when the optimizer's kernels are collected:
    what the collection advanced is undone and the step runs eagerly, once."""
    def momentum_on(setup, k):
        if k == 4:
            setup[2].param_groups[0]["momentum"] = 0.9

    def setup_plain(seed=0):
        torch.manual_seed(seed)
        model = nn.Linear(4, 3)
        return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)

    compiled = _twins(step, [3] * 9, momentum_on, setup_plain)
    assert "optimizer" in _log(compiled)

    def adam(seed=0):
        torch.manual_seed(seed)
        model = nn.Linear(4, 3)
        return model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=0.05)

    def new_buffer(setup, k):
        if k == 5:
            state = setup[2].state[setup[0].weight]
            state["exp_avg"] = state["exp_avg"].clone()

    compiled = _twins(step, [3] * 9, new_buffer, adam)
    assert "optimizer" in _log(compiled)


class _Scaled(nn.Module):
    """A model whose forward reads plain attributes: a scale and BatchNorm's ``training``."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.norm = nn.BatchNorm1d(3)
        self.scale = 1.0

    def forward(self, x):
        return self.norm(self.lin(x)) * self.scale


def _scaled_twins(edit):
    """Six steps of a ``_Scaled`` model eagerly and compiled, ``edit(model, k)`` before step
    ``k``; the losses of both, and the compiled function."""
    runs = []
    compiled = None
    for wrap in (lambda f: f, torch.compile):
        torch.manual_seed(0)
        model = _Scaled()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        criterion = nn.MSELoss()
        fn = wrap(step)
        compiled = fn if wrap is torch.compile else compiled
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(6):
                edit(model, k)
                x, y = _batch(5, k)
                losses.append(fn(model, criterion, opt, x, y).item())
        runs.append((losses, model.norm.running_mean.numpy().copy()))
    return runs, compiled


def test_module_attribute_change_retraces():
    def edit(model, k):
        if k == 4:
            model.scale = 3.0

    (eager, compiled_run), compiled = _scaled_twins(edit)
    assert eager[0] == compiled_run[0]
    assert any("scale: 1.0 -> 3.0" in n for n in compiled.cache.log), compiled.cache.log


def test_eval_mode_retraces():
    def edit(model, k):
        if k == 4:
            model.eval()  # BatchNorm uses its running statistics from now on

    (eager, compiled_run), compiled = _scaled_twins(edit)
    assert eager[0] == compiled_run[0]
    np.testing.assert_array_equal(eager[1], compiled_run[1])
    assert any("training: True -> False" in n for n in compiled.cache.log)


SCALE = 1.0


def test_global_number_change_retraces():
    global SCALE

    def f(x):
        return (x * SCALE).sum()

    compiled = torch.compile(f)
    x = torch.ones(3)
    try:
        got = []
        for k in range(5):
            SCALE = 1.0 if k < 3 else 5.0
            got.append(compiled(x).item())
    finally:
        SCALE = 1.0
    assert got == [3.0, 3.0, 3.0, 15.0, 15.0]
    assert any("SCALE changed from 1.0 to 5.0" in n for n in compiled.cache.log)


def test_zero_d_argument_keeps_its_shape():
    def f(w, s):
        return (w * s).sum() + s  # 0-d: a 0-d argument copied as shape (1,) would make it 1-d

    compiled = torch.compile(f)
    w, s = torch.ones(3, 2), torch.tensor(2.0)
    for _ in range(4):
        got = compiled(w, s)
        assert got.shape == f(w, s).shape == ()
        assert got.item() == 14.0
    assert len(compiled.sources) == 1


class _Config:
    """A user's configuration object (not numbagrad's, not callable)."""

    def __init__(self):
        self.scale = 1.0
        self.offset = (0.0, 1.0)


CFG = _Config()
SETTINGS = {"scale": 1.0, "name": "run"}


@pytest.mark.parametrize("where", ["global_object", "global_dict", "closure_object",
                                   "module_attribute"])
def test_configuration_value_change_retraces(where):
    """A value read from a configuration object is replayed as a constant by the capture: a
    change must retrace, never run the stale constant."""
    cfg = _Config()
    model = nn.Linear(3, 1)
    model.cfg = cfg
    if where == "global_object":
        def f(x):
            return (x * CFG.scale).sum()
        target = CFG
    elif where == "global_dict":
        def f(x):
            return (x * SETTINGS["scale"]).sum()
        target = SETTINGS
    elif where == "closure_object":
        def f(x):
            return (x * cfg.scale).sum()
        target = cfg
    else:
        def f(x):
            loss = (model(x) * model.cfg.scale).sum()
            loss.backward()
            return loss
        target = cfg

    def set_scale(v):
        if isinstance(target, dict):
            target["scale"] = v
        else:
            target.scale = v

    compiled = torch.compile(f)
    x = torch.ones(2, 3)
    try:
        for k in range(6):
            set_scale(1.0 if k < 3 else 4.0)
            want = f(x).item()
            assert compiled(x).item() == want, (k, want)
    finally:
        set_scale(1.0)
    assert len(compiled.sources) == 2, _log(compiled)
    assert any("scale" in n and "1.0 -> 4.0" in n for n in compiled.cache.log), _log(compiled)


def test_configuration_guard_leaves_numbagrad_objects_and_callables_alone():
    from numbagrad.compile.guards import _config_dict

    assert _config_dict(CFG) is CFG.__dict__ and _config_dict(SETTINGS) is SETTINGS
    for obj in (nn.MSELoss(), torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1), np,
                _Config, len, lambda: 0, [1.0], torch.ones(1)):
        assert _config_dict(obj) is None, obj


FORWARD_SCALE = 1.0


def _helper_scaled(y):
    return y * SETTINGS["scale"]


class _ScaledNet(nn.Module):
    """A user's module whose forward reads a global number and a helper reading a dict."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return _helper_scaled(self.fc(x)) * FORWARD_SCALE


@pytest.mark.parametrize("change", ["forward_global", "helper_global"])
def test_values_read_by_forward_and_helpers_are_guarded(change):
    global FORWARD_SCALE
    torch.manual_seed(0)
    model = _ScaledNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def train(m, x):
        opt.zero_grad()
        loss = m(x).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    compiled = torch.compile(train)
    x = torch.ones(4, 3)
    try:
        for k in range(6):
            if k == 3:
                if change == "forward_global":
                    FORWARD_SCALE = 0.5
                else:
                    SETTINGS["scale"] = 0.5
            want = model(x).pow(2).mean().item()  # the loss this call computes, eagerly
            assert compiled(model, x).item() == want, k
    finally:
        FORWARD_SCALE = 1.0
        SETTINGS["scale"] = 1.0
    assert len(compiled.sources) == 2, _log(compiled)
