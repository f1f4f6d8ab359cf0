"""A compiled Python loop of training steps runs as one loop in the generated function
(numbagrad/compile/rolling.py), with eager mode's numbers bit for bit; a loop whose iterations
are not exactly alike stays unrolled, with the same numbers."""
import warnings

import numpy as np
import pytest

import numbagrad as ng


def _entry_steps(compiled):
    """The ``k`` (iterations run by one generated loop) of each compiled step."""
    return [e.step.k for e in compiled.cache.entries.values() if e.step is not None]


def _regression():
    ng.manual_seed(0)
    model = ng.nn.Linear(1, 1)
    opt = ng.optim.SGD(model.parameters(), lr=0.01)
    return model, opt


def _mlp():
    ng.manual_seed(1)
    model = ng.nn.Sequential(ng.nn.Linear(4, 16), ng.nn.Tanh(), ng.nn.Linear(16, 1))
    opt = ng.optim.Adam(model.parameters(), lr=0.01)
    return model, opt


def _train_fn(model, opt, loss_fn):
    def train(x, y, n):
        for _ in range(n):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return loss

    return train


def _mse_steps(model, opt, batches):
    """One MSE training step per ``(x, y)`` of ``batches``; every step's loss."""
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = ng.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss)
    return losses


def _same_params(a, b):
    return all(np.array_equal(p.detach().numpy(), q.detach().numpy())
               for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("make", [_regression, _mlp], ids=["regression_sgd", "mlp_adam"])
def test_loop_of_steps_rolls_and_matches_eager(make):
    ng.manual_seed(2)
    x = ng.randn(100, 1) if make is _regression else ng.randn(32, 4)
    y = 3 * x + 1 if make is _regression else ng.randn(32, 1)
    m_eager, o_eager = make()
    m_comp, o_comp = make()
    eager = _train_fn(m_eager, o_eager, ng.nn.MSELoss())
    compiled = ng.compile(_train_fn(m_comp, o_comp, ng.nn.MSELoss()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in range(5):
            if call == 4:  # a hyper-parameter changed between calls reaches every iteration
                for o in (o_eager, o_comp):
                    o.param_groups[0]["lr"] = 0.003
            want, got = eager(x, y, 100), compiled(x, y, 100)
            assert got.item() == want.item(), call
            assert _same_params(m_eager, m_comp), call
    assert _entry_steps(compiled) == [100]
    assert "for it in range(" in compiled.sources[0]
    if make is _mlp:
        for p, q in zip(m_eager.parameters(), m_comp.parameters()):
            for key in ("exp_avg", "exp_avg_sq", "step"):
                assert np.array_equal(o_eager.state[p][key].numpy(), o_comp.state[q][key].numpy())


def _run_both(build, calls=4, args=()):
    """Run ``build()``'s function eagerly and compiled side by side (on ``args``); the compiled
    function."""
    eager_fn, eager_out = build()
    comp_fn, comp_out = build()
    compiled = ng.compile(comp_fn)
    for call in range(calls):
        want, got = eager_fn(*args), compiled(*args)
        for w, g in zip(want if isinstance(want, list) else [want],
                        got if isinstance(got, list) else [got]):
            assert np.array_equal(w.detach().numpy(), g.detach().numpy()), call
        assert all(np.array_equal(a.detach().numpy(), b.detach().numpy())
                   for a, b in zip(eager_out(), comp_out())), call
    return compiled


def test_branch_on_the_iteration_number_is_not_rolled():
    ng.manual_seed(3)
    x, y = ng.randn(20, 1), ng.randn(20, 1)

    def build():
        model, opt = _regression()

        def train():
            for i in range(6):
                opt.zero_grad()
                out = model(x)
                if i == 2:  # one iteration with other ops
                    out = out * 2
                loss = ng.nn.functional.mse_loss(out, y)
                loss.backward()
                opt.step()
            return loss

        return train, model.parameters

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [1]


def test_alternating_iterations_roll_by_pairs():
    ng.manual_seed(4)
    x, y = ng.randn(20, 1), ng.randn(20, 1)

    def build():
        model, opt = _regression()

        def train():
            for i in range(6):
                opt.zero_grad()
                out = model(x)
                loss = (ng.nn.functional.mse_loss(out, y) if i % 2 else
                        ng.nn.functional.l1_loss(out, y))
                loss.backward()
                opt.step()
            return loss

        return train, model.parameters

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [3]


def test_value_carried_in_new_tensors_is_not_rolled():
    ng.manual_seed(5)
    x0 = ng.randn(8)

    def build():
        ng.manual_seed(8)
        w = ng.randn(8)

        def loop():
            x = x0
            for _ in range(5):
                x = x * w + 1  # iteration i reads what iteration i - 1 wrote
            return x

        return loop, lambda: [w]

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [1]


def test_outputs_of_earlier_iterations_are_not_rolled():
    ng.manual_seed(6)
    x, y = ng.randn(20, 1), ng.randn(20, 1)

    def build():
        model, opt = _regression()

        def train():
            return _mse_steps(model, opt, [(x, y)] * 4)

        return train, model.parameters

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [1]


def test_inputs_that_differ_per_iteration_are_not_rolled():
    ng.manual_seed(7)
    xs = [ng.randn(20, 1) for _ in range(4)]
    y = ng.randn(20, 1)

    def build():
        model, opt = _regression()

        def train(xs):
            for x in xs:
                opt.zero_grad()
                loss = ng.nn.functional.mse_loss(model(x), y)
                loss.backward()
                opt.step()
            return loss

        return train, model.parameters

    compiled = _run_both(build, args=(xs,))
    assert _entry_steps(compiled) == [1]
    # Each optimizer step reads its own backward's gradients: one capture serves every call.
    assert compiled.cache.captures == 1, compiled.cache.log


def test_adam_stepped_on_each_batch_of_a_list_captures_once():
    ng.manual_seed(8)
    batches = [(ng.randn(6, 4), ng.randn(6, 1)) for _ in range(3)]

    def build():
        model, opt = _mlp()

        def epoch(batches):
            return _mse_steps(model, opt, batches)

        return epoch, model.parameters

    compiled = _run_both(build, calls=6, args=(batches,))
    assert compiled.cache.captures == 1, compiled.cache.log


def test_tensors_filled_in_the_loop_are_not_rolled():
    ng.manual_seed(9)
    x = ng.randn(6)

    def build():
        ng.manual_seed(10)
        w = ng.randn(6)
        outs = [ng.zeros(6) for _ in range(3)]

        def loop():
            for out in outs:  # memory of each iteration's own, seen after the step
                out.copy_(x * w)
                w.mul_(0.5)
            return w

        return loop, lambda: [w] + outs

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [1]


def test_loop_of_in_place_updates_without_optimizer_rolls():
    ng.manual_seed(11)
    x = ng.randn(4)

    def build():
        ng.manual_seed(12)
        w = ng.randn(4)

        def loop():
            for _ in range(5):  # no optimizer: every iteration's scalars tuple is empty
                w.mul_(0.5)
                w.add_(x)
            return w

        return loop, lambda: [w]

    compiled = _run_both(build)
    assert _entry_steps(compiled) == [5]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_error_in_a_later_iteration_keeps_the_earlier_ones_as_eager_mode_does(optimizer):
    """An index that grows with a parameter leaves its range in a later iteration (the 6th of
    8 with Adam): eager mode raises there, its optimizer stepped in the iterations before; the
    rolled loop raises the same error and leaves the weights, their version counters and
    Adam's counters and moments where eager mode leaves them."""
    def make():
        ng.manual_seed(0)
        m = ng.nn.Module()
        m.w = ng.nn.Parameter(ng.tensor([0.05]))
        m.table = ng.nn.Parameter(ng.randn(20, 2))
        if optimizer == "adam":
            return m, ng.optim.Adam(m.parameters(), lr=0.1)
        # No step counter: the scalars repeat, only the version counters move per iteration.
        return m, ng.optim.SGD(m.parameters(), lr=0.1)

    def train_fn(m, opt):
        def train(n):
            for _ in range(n):
                opt.zero_grad()
                idx = (m.w.detach() * 10).long()  # one more row per step (Adam's lr 0.1)
                loss = (m.table.index_select(0, idx) ** 2).sum() - m.w.sum()
                loss.backward()
                opt.step()
            return loss.detach()
        return train

    (m1, o1), (m2, o2) = make(), make()
    eager, compiled = train_fn(m1, o1), ng.compile(train_fn(m2, o2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for start in (0.05, 0.05, 0.05, 1.55):
            for m in (m1, m2):
                with ng.no_grad():
                    m.w.fill_(start)
            errors = []
            for fn in (eager, compiled):
                try:
                    fn(8)
                    errors.append(None)
                except IndexError as err:
                    errors.append(str(err))
            assert errors[0] == errors[1]
            assert _same_params(m1, m2), start
            for p, q in zip(m1.parameters(), m2.parameters()):
                assert p._version.value == q._version.value, start
                for key in ("exp_avg", "exp_avg_sq", "step") if optimizer == "adam" else ():
                    assert np.array_equal(o1.state[p][key].numpy(), o2.state[q][key].numpy())
    assert errors[0] is not None and "index 20 for dimension 0 of size 20" in errors[0]
    if optimizer == "adam":
        assert o1.state[m1.w]["step"].item() == 3 * 8 + 5
    assert _entry_steps(compiled) == [8]
