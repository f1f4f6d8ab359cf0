"""``x[idx]`` with integer index tensors inside a compiled step: the offsets are computed in
the step from each call's index values (numbagrad/compile/memory.py, ``index_wrappers``), so
the results and gradients are eager mode's bit for bit whatever the indices, and an index out
of range raises torch's IndexError there."""
import warnings

import numpy as np
import pytest

import numbagrad as torch

rng = np.random.default_rng(0)

KEYS = {
    "one": (lambda i: i, (5, 3), [((4,), 5)]),
    "int32": (lambda i: i, (5, 3), [((4,), 5)]),
    "two": (lambda i, j: (i, j), (5, 3), [((4,), 5), ((4,), 3)]),
    "broadcast": (lambda i, j: (i[:, None], j), (5, 3), [((4,), 5), ((2,), 3)]),
    "separated": (lambda i, j: (i, slice(None), j), (5, 3, 4), [((2, 3), 5), ((3,), 4)]),
    "after_slice": (lambda i: (slice(1, 4), i), (5, 6), [((7,), 6)]),
    "none_and_int": (lambda i: (None, 1, i), (5, 6, 2), [((3,), 2)]),
    "strided_index": (lambda i: i[::2], (5, 3), [((6,), 5)]),
}


@pytest.mark.parametrize("name", list(KEYS))
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
def test_index_tensors_follow_their_values(name, transposed):
    key, shape, indices = KEYS[name]
    if transposed:
        shape = shape[::-1]
    x = torch.randn(*shape, requires_grad=True)

    def f(x, *idx):
        v = x.transpose(0, -1) if transposed else x
        out = v[key(*idx)]
        loss = (out * out).sum()
        loss.backward()
        return out.detach(), loss

    compiled = torch.compile(f)
    dtype = np.int32 if name == "int32" else np.int64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            idx = [torch.from_numpy(rng.integers(-n, n, s).astype(dtype)) for s, n in indices]
            x.grad = None
            want = f(x, *idx)
            want_grad, x.grad = x.grad.numpy().copy(), None
            got = compiled(x, *idx)
            for a, b in zip(want, got):
                np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
            np.testing.assert_array_equal(want_grad, x.grad.numpy())
    assert len(compiled.sources) == 1


def test_index_out_of_range_raises_torchs_error_in_the_step():
    x = torch.randn(5, 3)
    compiled = torch.compile(lambda x, i: x[i] * 2)
    for _ in range(3):
        compiled(x, torch.tensor([0, 4, -5]))
    assert len(compiled.sources) == 1
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 5"):
        compiled(x, torch.tensor([0, 5]))
    with pytest.raises(IndexError, match="index -6 is out of bounds for dimension 0 with size 5"):
        compiled(x, torch.tensor([-6, 1]))


def test_hand_written_nll_with_arange_matches_eager():
    """``-logp[torch.arange(n), y].mean()``: the range is a constant of the step, the targets
    an index read in the step."""
    def setup():
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 3)
        return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def make(model, opt):
        def step(x, y):
            opt.zero_grad()
            logp = torch.log_softmax(model(x), dim=1)
            loss = -logp[torch.arange(x.shape[0]), y].mean()
            loss.backward()
            opt.step()
            return loss
        return step

    (m1, o1), (m2, o2) = setup(), setup()
    eager, compiled = make(m1, o1), torch.compile(make(m2, o2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(6):
            x, y = torch.randn(6, 4), torch.randint(0, 3, (6,))
            assert eager(x, y).item() == compiled(x, y).item(), k
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert len(compiled.sources) == 1


def test_mask_index_still_runs_eagerly_with_a_reason():
    compiled = torch.compile(lambda x: x[x > 0].sum())
    x = torch.randn(6)
    with pytest.warns(UserWarning, match="runs eagerly"):
        for _ in range(3):
            assert compiled(x).item() == x[x > 0].sum().item()


def test_parameter_passed_as_an_argument():
    """A leaf that requires grad, passed in: captured as a parameter, held by identity; another
    leaf of the same shape is a new capture, an intermediate result falls back."""
    torch.manual_seed(0)
    w1, w2 = torch.randn(3, 2, requires_grad=True), torch.randn(3, 2, requires_grad=True)
    x = torch.randn(4, 3)

    def f(w, x):
        loss = (x @ w).pow(2).sum()
        loss.backward()
        return loss

    compiled = torch.compile(f)
    for w in (w1, w1, w1, w2, w2, w2, w1):
        want_loss = (x @ w).pow(2).sum().item()
        w.grad = None
        assert compiled(w, x).item() == want_loss
        np.testing.assert_array_equal(w.grad.numpy(), (2 * x.t() @ (x @ w)).detach().numpy())
    assert len(compiled.sources) == 2
    with pytest.warns(UserWarning, match="result of an op that requires grad"):
        for _ in range(3):
            compiled(w1 * 1.0, x)


@pytest.mark.parametrize("where", ["after_step", "second_batch"])
def test_error_inside_the_step_leaves_the_optimizer_as_eager_mode_does(where):
    """An index out of range raises inside the compiled step; the optimizer updates that ran
    before it stay counted (Adam's step), the others are undone, as eager mode leaves them;
    training then goes on with eager mode's numbers."""
    def setup():
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2)
        return model, torch.optim.Adam(model.parameters(), lr=0.1)

    def make(model, opt):
        def run(x, y, idx):
            for b in range(2 if where == "second_batch" else 1):
                xb, yb = (x, y) if b == 0 else (x[idx], y[idx])  # raises after a step
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(xb), yb)
                loss.backward()
                opt.step()
            return loss, (x[idx] if where == "after_step" else x[:1]).sum()
        return run

    (m1, o1), (m2, o2) = setup(), setup()
    eager, compiled = make(m1, o1), torch.compile(make(m2, o2))
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    good, bad = torch.tensor([0, 2]), torch.tensor([1, 9])
    for idx in (good, good, good, bad, good, bad, good, good):
        outcomes = []
        for f in (eager, compiled):
            try:
                outcomes.append(f(x, y, idx)[0].item())
            except IndexError as err:
                outcomes.append(str(err))
        assert outcomes[0] == outcomes[1]
        for p, q in zip(m1.parameters(), m2.parameters()):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        for s1, s2 in zip(o1.state.values(), o2.state.values()):
            assert s1["step"].item() == s2["step"].item()
