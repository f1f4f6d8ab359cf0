"""CTC loss against torch 2.13: values and gradients (through the log-softmax and of the
log-probabilities themselves) for padded and concatenated targets, every reduction, blank,
zero_infinity, unbatched input and lengths given as tensors; the module; and the checks that
run before the kernels (torch's messages where torch checks, a clean error for labels out of
range, which torch's CPU kernel reads past)."""
import numpy as np
import pytest

import numbagrad as ng
from tests.nn._loss_compare import TOLERANCES, raises_like

torch = pytest.importorskip("torch")

REDUCTIONS = ("mean", "sum", "none")
PADDED = np.array([[1, 2, 2], [1, 1, 0], [3, 0, 0]])
CONCATENATED = np.array([1, 2, 2, 1, 1, 3])
INPUT_LENGTHS = [6, 5, 3]
TARGET_LENGTHS = [3, 2, 1]


def _run(lib, x, targets, input_lengths, target_lengths, g, **kwargs):
    scores = lib.tensor(x).requires_grad_(True)
    log_probs = scores.log_softmax(-1)
    log_probs.retain_grad()
    loss = lib.nn.functional.ctc_loss(log_probs, lib.tensor(targets), input_lengths,
                                      target_lengths, **kwargs)
    loss.backward(lib.tensor(g.reshape(tuple(loss.shape))))
    return loss, scores.grad, log_probs.grad


def _compare(x, targets, input_lengths, target_lengths, **kwargs):
    rtol, atol = TOLERANCES[x.dtype.type]
    theirs = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(-1), torch.tensor(targets),
                                          input_lengths, target_lengths, **kwargs)
    g = np.linspace(0.5, 1.5, max(theirs.numel(), 1)).astype(x.dtype)
    ours = _run(ng, x, targets, input_lengths, target_lengths, g, **kwargs)
    ref = _run(torch, x, targets, input_lengths, target_lengths, g, **kwargs)
    assert tuple(ours[0].shape) == tuple(ref[0].shape)
    assert ours[0].dtype.name == str(ref[0].dtype).replace("torch.", "")
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    return ours[0]


def _scores(shape=(6, 3, 4), dtype=np.float64):
    return np.random.default_rng(0).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("targets", [PADDED, CONCATENATED], ids=["padded", "concatenated"])
def test_ctc_loss_matches_torch(dtype, reduction, targets):
    _compare(_scores(dtype=dtype), targets, INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_blank_and_lengths_as_tensors(reduction):
    targets = np.where(PADDED == 3, 0, PADDED)  # labels 0..2, blank 3
    x = _scores()
    ours = ng.nn.functional.ctc_loss(ng.tensor(x).log_softmax(-1), ng.tensor(targets),
                                     ng.tensor(INPUT_LENGTHS), ng.tensor(TARGET_LENGTHS),
                                     blank=3, reduction=reduction)
    theirs = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(-1),
                                          torch.tensor(targets), torch.tensor(INPUT_LENGTHS),
                                          torch.tensor(TARGET_LENGTHS), blank=3,
                                          reduction=reduction)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    _compare(x, targets, INPUT_LENGTHS, TARGET_LENGTHS, blank=3, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_impossible_alignments_and_zero_infinity(reduction):
    # Sample 0 needs 4 steps (two equal labels and the blank between) but has 3: inf.
    x = _scores()
    lengths = [3, 5, 3]
    loss = _compare(x, PADDED, lengths, TARGET_LENGTHS, reduction="none")
    assert np.isinf(loss.detach().numpy()[0])
    loss = _compare(x, PADDED, lengths, TARGET_LENGTHS, reduction=reduction, zero_infinity=True)
    assert np.isfinite(loss.detach().numpy()).all()


def test_empty_targets_and_unbatched_input():
    _compare(_scores(), PADDED, INPUT_LENGTHS, [3, 0, 1], reduction="none")
    x = _scores((5, 4))
    _compare(x, np.array([1, 2]), [5], [2], reduction="none")
    _compare(x, np.array([1, 2]), [5], [2])


def test_module_matches_torch():
    ours, theirs = ng.nn.CTCLoss(blank=3, zero_infinity=True), torch.nn.CTCLoss(
        blank=3, zero_infinity=True)
    assert repr(ours) == repr(theirs) == "CTCLoss()"
    assert (ours.blank, ours.zero_infinity, ours.reduction) == (3, True, "mean")
    x = _scores()
    targets = np.where(PADDED == 3, 0, PADDED)
    a = ours(ng.tensor(x).log_softmax(2), ng.tensor(targets), [6, 2, 3], TARGET_LENGTHS)
    b = theirs(torch.tensor(x).log_softmax(2), torch.tensor(targets), [6, 2, 3], TARGET_LENGTHS)
    assert a.item() == pytest.approx(b.item(), rel=1e-10)


def _call(lib, targets=PADDED, input_lengths=INPUT_LENGTHS, target_lengths=TARGET_LENGTHS,
          **kwargs):
    log_probs = lib.tensor(_scores()).log_softmax(2)
    return lib.nn.functional.ctc_loss(log_probs, lib.tensor(targets), input_lengths,
                                      target_lengths, **kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(target_lengths=[4, 2, 1]),                         # past the padded targets
    dict(targets=CONCATENATED[:5]),                         # past the concatenated targets
    dict(input_lengths=[7, 5, 3]),                          # past the inputs
    dict(input_lengths=[-1, 5, 3]),
    dict(target_lengths=[-1, 2, 1]),
    dict(input_lengths=[6, 5]),
    dict(target_lengths=[3, 2, 1, 1]),
    dict(blank=4),
    dict(blank=-1),
    dict(reduction="avg"),
], ids=lambda kw: next(iter(kw)))
def test_errors_match_torch(kwargs):
    raises_like(ng, torch, lambda lib: _call(lib, **kwargs))


def test_float_lengths_are_refused_as_in_torch():
    raises_like(ng, torch, lambda lib: _call(lib, input_lengths=lib.tensor([6.0, 5.0, 3.0]),
                                             target_lengths=lib.tensor(TARGET_LENGTHS)))


@pytest.mark.parametrize("label", [4, -2, 100])
def test_labels_out_of_range_fail_before_the_kernel(label):
    targets = PADDED.copy()
    targets[1, 1] = label
    with pytest.raises(IndexError, match=f"target label {label} .sample 1, position 1. is out "
                                         "of range for 4 classes"):
        _call(ng, targets=targets)
    targets[1, 1] = 1
    targets[2, 2] = label  # past target_lengths[2]: padding, never read
    assert np.isfinite(_call(ng, targets=targets).item())
