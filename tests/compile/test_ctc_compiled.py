"""ctc_loss inside a compiled step: padded ``(N, S)`` targets and the lengths are arguments
whose values change between calls; the lengths and labels are checked by kernels in the step
(eager mode's errors, raised there), the buffers are ``S`` wide, and losses and weights equal
eager mode's bit for bit. Concatenated 1-D targets are padded on the host to the longest
target (a value), in NumPy: that step runs eagerly, with a reason."""
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn.functional as F

T, N, C, S = 12, 3, 5, 4


def _steps(reduction="mean", zero_infinity=False):
    def setup():
        torch.manual_seed(0)
        m = torch.nn.Linear(6, C)
        return m, torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)

    def make(m, opt):
        def step(x, y, il, tl):
            opt.zero_grad()
            lp = F.log_softmax(m(x), dim=2)
            loss = F.ctc_loss(lp, y, il, tl, reduction=reduction, zero_infinity=zero_infinity)
            if reduction == "none":
                loss = loss.sum()
            loss.backward()
            opt.step()
            return loss.detach()
        return step

    (m1, o1), (m2, o2) = setup(), setup()
    return (m1, make(m1, o1)), (m2, torch.compile(make(m2, o2)))


def _batch(rng, low_input=2 * S):
    return (torch.randn(T, N, 6), torch.from_numpy(rng.integers(1, C, (N, S))),
            torch.from_numpy(rng.integers(low_input, T + 1, N)),
            torch.from_numpy(rng.integers(0, S + 1, N)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("zero_infinity", [False, True], ids=["inf", "zero_infinity"])
def test_ctc_step_follows_its_targets_and_lengths(reduction, zero_infinity):
    rng = np.random.default_rng(0)
    (m1, eager), (m2, compiled) = _steps(reduction, zero_infinity)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            # Input lengths from 1: some alignments impossible (an infinite loss, or zero).
            batch = _batch(rng, low_input=1 if zero_infinity else 2 * S)
            a, b = eager(*batch), compiled(*batch)
            assert a.numpy().tobytes() == b.numpy().tobytes()
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert len(compiled.sources) == 1


BAD = {
    "label": (lambda y, il, tl: (y.index_fill(1, torch.tensor([0]), C), il, tl.clamp_min(1)),
              IndexError, "ctc_loss: target label 5 \\(sample 0, position 0\\) is out of range"),
    "input_length": (lambda y, il, tl: (y, il + T, tl), RuntimeError,
                     "Expected input_lengths to have value at most 12"),
    "target_length": (lambda y, il, tl: (y, il, tl * 0 + S + 1), RuntimeError,
                      "Expected tensor to have size at least 5 at dimension 1, but got size 4"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_ctc_bad_value_raises_eager_modes_error_in_the_step(name):
    rng = np.random.default_rng(1)
    (m1, eager), (m2, compiled) = _steps()
    for _ in range(3):
        batch = _batch(rng)
        eager(*batch)
        compiled(*batch)
    x, y, il, tl = _batch(rng)
    bad, exc, text = BAD[name]
    args = (x,) + bad(y, il, tl)
    with pytest.raises(exc, match=text) as eager_error:
        eager(*args)
    with pytest.raises(exc, match=text) as compiled_error:
        compiled(*args)
    assert str(eager_error.value) == str(compiled_error.value)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert len(compiled.sources) == 1


def test_concatenated_targets_run_eagerly_with_a_reason():
    rng = np.random.default_rng(2)
    (m1, eager), (m2, compiled) = _steps("sum")
    with pytest.warns(UserWarning, match="runs eagerly: kernel check_targets.* reads an array "
                                         "of shape .* that no recorded call computed"):
        for _ in range(5):
            x, y, il, tl = _batch(rng)
            flat = torch.cat([y[n, :int(tl[n])] for n in range(N)])
            assert eager(x, flat, il, tl).item() == compiled(x, flat, il, tl).item()
    assert not compiled.sources
