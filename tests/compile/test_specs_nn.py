"""Every differentiable spec of the nn family (softmax, convolution, pooling, padding,
normalization, recurrent layers, attention, embedding and the losses) run through a compiled
step with inputs that change between calls, compared with eager mode bit for bit
(:func:`tests.compile.spec_steps.check_spec`); a spec with an op outside
``numbagrad/compile/covered.py`` must fall back with one warning naming it.

Then training steps: batch norm's running statistics (buffers a training step updates in
place, outside any op) replayed over several compiled steps; cross_entropy/nll_loss with class
targets, class weights and probability targets passed as arguments of the step (the specs make
theirs from host data inside the step, which is refused on purpose).
"""
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn.functional as F
from numbagrad import nn
from tests.compile.spec_steps import check_spec
from tests.ops import (specs_attention, specs_conv, specs_embedding, specs_loss, specs_nn,
                       specs_normalization, specs_pad, specs_pooling, specs_rnn)

MODULES = (specs_nn, specs_conv, specs_rnn, specs_loss, specs_embedding, specs_pad,
           specs_pooling, specs_normalization, specs_attention)
SPECS = [s for m in MODULES for s in m.SPECS if s.differentiable]

_NUMPY = "that no recorded call computed"
_OUTSIDE = "computed outside the recorded calls"
_HOST_TARGET = "a loss's target or weight"  # made with ng.tensor inside the spec's function
_UNCOVERED = "has no compiled form yet"

# Specs whose listed ops are covered but whose drawn example still runs eagerly, with the text
# its fallback warning contains: a tensor built from host data inside the step (class targets,
# class weights, masks: refused on purpose; the targeted tests below pass them as arguments of
# the step instead), a layout whose backend path computes in NumPy, or ops of other families or
# a Python read of a value in the spec's function.
EAGER = {
    **{f"{name}_{r}": _HOST_TARGET for r in ("mean", "sum", "none") for name in (
        "nll_loss", "cross_entropy_spatial_options", "cross_entropy_probs_options")},
    "cross_entropy_smoothing_mean": _HOST_TARGET, "cross_entropy_smoothing_sum": _HOST_TARGET,
    "cross_entropy_smoothing_none": _HOST_TARGET, "cross_entropy_none": _HOST_TARGET,
    **{f"binary_cross_entropy_with_logits_weights_{r}": _NUMPY for r in ("mean", "sum", "none")},
    **{f"binary_cross_entropy_weighted_{r}": _NUMPY for r in ("mean", "sum", "none")},
    "scaled_dot_product_attention_bool_mask": _NUMPY,
    # An all-zero example: conv2d's weight gradient (max_pool2d's forward) leaves an
    # accumulator zeroed in NumPy unchanged, which the capture cannot tell from NumPy data.
    "conv2d_stride_padding": _NUMPY, "conv2d_unbatched_no_bias": _NUMPY,
    "conv1d_stride_dilation_groups": _NUMPY,
    "max_pool2d_unbatched_overlapping": _NUMPY,
    "gaussian_nll_loss": "reads a tensor's value into Python",
    # The spec makes its targets and lengths with ng.tensor inside the step; the targeted
    # tests (tests/compile/test_ctc_compiled.py) pass them as arguments.
    **{f"ctc_loss_{r}": _OUTSIDE for r in ("mean", "sum", "none")},
    "local_response_norm": _OUTSIDE, "normalize": _UNCOVERED, "normalize_p1_dim0": _UNCOVERED,
    # The specs build their indices (and bags' offsets) with ng.tensor inside the step; the
    # embedding tests below pass the index as an argument.
    "embedding": _OUTSIDE,
    **{f"embedding_bag_{m}": _NUMPY for m in ("sum", "mean", "max", "weighted")},
}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_compiled_equals_eager(spec):
    check_spec(spec, examples=1, eager_reason=EAGER.get(spec.name))


def _batch_norm_net():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                      nn.Flatten(), nn.Linear(3 * 4 * 4, 4))
    return m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)


def _train_step(m, opt, x, y):
    loss = F.cross_entropy(m(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def _batches(n=4):
    rng = np.random.default_rng(1)
    return [(torch.from_numpy(rng.standard_normal((5, 2, 4, 4)).astype(np.float32)),
             torch.from_numpy(rng.integers(0, 4, 5))) for _ in range(n)]


def _train(step, steps=8):
    m, opt = _batch_norm_net()
    batches = _batches()
    losses = [step(m, opt, *batches[k % 4]).item() for k in range(steps)]
    state = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
    return losses, state


def test_batch_norm_running_statistics_over_compiled_steps():
    eager = _train(_train_step)
    compiled_step = torch.compile(_train_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _train(compiled_step)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    assert eager[1].keys() == compiled[1].keys()
    for name in eager[1]:
        np.testing.assert_array_equal(eager[1][name], compiled[1][name], err_msg=name)
    # The statistics moved on every step (the replay did not keep the captured call's values).
    assert compiled[1]["1.num_batches_tracked"] == 8
    assert not np.array_equal(compiled[1]["1.running_mean"], np.zeros(3, np.float32))


def _class_step(m, opt, x, y):
    loss = F.nll_loss(F.log_softmax(m(x), dim=1), y, reduction="sum") + F.cross_entropy(m(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def test_class_targets_as_step_arguments():
    """nll_loss/cross_entropy with the class targets an argument of the step (copied into the
    step's buffers each call), targets changing between calls, some rows ignored."""
    def run(step):
        torch.manual_seed(0)
        m = nn.Linear(6, 4)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        rng = np.random.default_rng(2)
        losses = []
        for k in range(6):
            x = torch.from_numpy(rng.standard_normal((5, 6)).astype(np.float32))
            t = rng.integers(0, 4, 5)
            if k >= 3:
                t[k - 3] = -100
            losses.append(step(m, opt, x, torch.from_numpy(t)).item())
        return losses, [p.detach().numpy().copy() for p in m.parameters()]

    eager = run(_class_step)
    compiled_step = torch.compile(_class_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = run(compiled_step)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _ce_case(reduction, spatial=False, smoothing=0.0, weighted=True, probs=False, nll=False):
    def loss(m, x, y, w):
        scores = m(x)  # (N, C) from a linear layer, or (N, C, d1, d2) from a 1x1 convolution
        weight = w if weighted else None
        if nll:
            out = F.nll_loss(F.log_softmax(scores, dim=1), y, weight=weight, reduction=reduction)
        else:
            out = F.cross_entropy(scores, y, weight=weight, reduction=reduction,
                                  label_smoothing=smoothing)
        return (out * out).sum() if reduction == "none" else out

    return loss, spatial, probs


CE_CASES = {
    "none-weights": _ce_case("none"),
    "mean-weights-smoothing": _ce_case("mean", smoothing=0.2),
    "sum-smoothing": _ce_case("sum", smoothing=0.3, weighted=False),
    "none-spatial-smoothing": _ce_case("none", spatial=True, smoothing=0.1),
    "mean-spatial-weights": _ce_case("mean", spatial=True),
    "nll-none-weights": _ce_case("none", nll=True),
    "nll-mean-weights": _ce_case("mean", nll=True),
    "probs-mean-weights-smoothing": _ce_case("mean", smoothing=0.1, probs=True),
    "probs-none-spatial": _ce_case("none", spatial=True, weighted=False, probs=True),
}


def _ce_step(loss_fn):
    def step(m, opt, x, y, w):
        loss = loss_fn(m, x, y, w)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _ce_run(step, spatial, probs, calls=6):
    torch.manual_seed(0)
    m = nn.Conv2d(6, 4, 1) if spatial else nn.Linear(6, 4)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    rng = np.random.default_rng(3)
    losses = []
    for k in range(calls):
        shape = (3, 6, 2, 2) if spatial else (5, 6)
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        tshape = (3, 2, 2) if spatial else (5,)
        if probs:
            p = rng.random(tshape + (4,)).astype(np.float32)
            p /= p.sum(-1, keepdims=True)
            y = torch.from_numpy(np.moveaxis(p, -1, 1).copy())  # (N, C, d...)
        else:
            t = rng.integers(0, 4, tshape)
            if k >= 3:
                t.reshape(-1)[k - 3] = -100  # ignored rows: the mean's denominator changes
            y = torch.from_numpy(t)
        w = torch.from_numpy(rng.random(4).astype(np.float32) + 0.5)
        losses.append(step(m, opt, x, y, w).item())
    return losses, [p.detach().numpy().copy() for p in m.parameters()]


@pytest.mark.parametrize("name", list(CE_CASES))
def test_cross_entropy_options_with_targets_and_weights_as_arguments(name):
    """cross_entropy/nll_loss beyond the plain case (reduction='none', class weights, label
    smoothing, spatial inputs, probability targets), its targets and weights arguments of the
    step that change every call."""
    loss_fn, spatial, probs = CE_CASES[name]
    eager = _ce_run(_ce_step(loss_fn), spatial, probs)
    compiled_step = torch.compile(_ce_step(loss_fn))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = _ce_run(compiled_step, spatial, probs)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _bce_logits_weights(m, x, y, w, pw, mask):
    # (pos_weight is left out: its front end makes a tensor of ones outside any op.)
    return F.binary_cross_entropy_with_logits(m(x), y, weight=w, reduction="sum")


def _attention_bool_mask(m, x, y, w, pw, mask):
    q = m(x).reshape(1, 5, 4)
    out = F.scaled_dot_product_attention(q, q * w, q + pw, attn_mask=mask)
    return (out * out).sum()


def _bce_weights(m, x, y, w, pw, mask):
    # Probabilities from a sigmoid, targets and class weights arguments of the step.
    return F.binary_cross_entropy(torch.sigmoid(m(x)), y, weight=w, reduction="mean")


ARG_CASES = {"bce-logits-weight": _bce_logits_weights,
             "attention-bool-mask": _attention_bool_mask,
             "bce-weight": _bce_weights}


def _args_run(step, calls=5):
    torch.manual_seed(0)
    m = nn.Linear(6, 4)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    rng = np.random.default_rng(4)
    losses = []
    for _ in range(calls):
        x = torch.from_numpy(rng.standard_normal((5, 6)).astype(np.float32))
        y = torch.from_numpy(rng.random((5, 4)).astype(np.float32))
        w = torch.from_numpy(rng.random(4).astype(np.float32) + 0.5)
        pw = torch.from_numpy(rng.random(4).astype(np.float32) + 0.5)
        mask = rng.random((5, 5)) < 0.6
        mask[:, 0] = True  # every query sees a key
        losses.append(step(m, opt, x, y, w, pw, torch.from_numpy(mask)).item())
    return losses, [p.detach().numpy().copy() for p in m.parameters()]


def _args_step(loss_fn):
    def step(m, opt, *args):
        loss = loss_fn(m, *args)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


@pytest.mark.parametrize("name", list(ARG_CASES))
def test_weights_and_masks_as_arguments(name):
    """Class weights and a boolean attention mask that change every call, arguments of the
    step (the specs make theirs from host data inside the step)."""
    eager = _args_run(_args_step(ARG_CASES[name]))
    compiled_step = torch.compile(_args_step(ARG_CASES[name]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = _args_run(compiled_step)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def test_conv2d_bias_gradient_alone():
    """A frozen convolution weight: conv2d's vjp sums the bias gradient alone (in float64, then
    converted), compiled as eagerly."""
    def run(step):
        torch.manual_seed(0)
        m = nn.Conv2d(2, 3, 3)
        m.weight.requires_grad_(False)
        opt = torch.optim.SGD([m.bias], lr=0.1)
        rng = np.random.default_rng(0)
        losses = [step(m, opt, torch.from_numpy(
            rng.standard_normal((2, 2, 5, 5)).astype(np.float32))).item() for _ in range(5)]
        return losses, m.bias.detach().numpy().copy()

    def step(m, opt, x):
        y = m(x)
        loss = (y * y).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    eager = run(step)
    compiled_step = torch.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = run(compiled_step)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    np.testing.assert_array_equal(eager[1], compiled[1])


class _EmbeddingNet(nn.Module):
    """An embedding table (its options as given) read by a linear layer."""

    def __init__(self, **options):
        super().__init__()
        self.emb = nn.Embedding(7, 4, **options)
        self.out = nn.Linear(4, 3)

    def forward(self, index):
        return self.out(self.emb(index))


def _embedding_step(m, opt, index, y):
    loss = F.mse_loss(m(index), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def _embedding_run(step, options, dtype=np.int64, steps=10):
    torch.manual_seed(0)
    m = _EmbeddingNet(**options)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(5)
    losses = []
    for k in range(steps):
        index = rng.integers(0, 7, (5, 3)).astype(dtype)
        index[k % 5, 0] = index[0, 1]  # a repeat in every batch
        y = rng.standard_normal((5, 3, 3)).astype(np.float32)
        losses.append(step(m, opt, torch.from_numpy(index), torch.from_numpy(y)).item())
    return losses, [p.detach().numpy().copy() for p in m.parameters()]


EMBEDDING_CASES = {
    "plain": ({}, np.int64),
    "padding_idx": ({"padding_idx": 2}, np.int64),
    "scale_grad_by_freq": ({"scale_grad_by_freq": True}, np.int32),
    "both": ({"padding_idx": -1, "scale_grad_by_freq": True}, np.int64),
}


@pytest.mark.parametrize("name", list(EMBEDDING_CASES))
def test_embedding_with_the_index_as_an_argument(name):
    """Embedding + Linear trained 10 compiled steps, the index an argument of the step that
    changes every call (repeats, padding rows), gives eager mode's losses and weights."""
    options, dtype = EMBEDDING_CASES[name]
    eager = _embedding_run(_embedding_step, options, dtype)
    compiled_step = torch.compile(_embedding_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = _embedding_run(compiled_step, options, dtype)
    assert len(compiled_step.sources) == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)
    if "padding_idx" in options:  # the padding row never moved
        torch.manual_seed(0)
        start = _EmbeddingNet(**options).emb.weight.detach().numpy()
        np.testing.assert_array_equal(compiled[1][0][options["padding_idx"]],
                                      start[options["padding_idx"]])


def test_embedding_out_of_range_index_raises_in_a_compiled_step():
    torch.manual_seed(0)
    m = _EmbeddingNet()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    compiled_step = torch.compile(_embedding_step)
    y = torch.zeros(2, 3, 3)
    for k in range(3):
        compiled_step(m, opt, torch.from_numpy(np.array([[k, 6, 0], [1, 2, 3]])), y)
    assert len(compiled_step.sources) == 1
    with pytest.raises(IndexError, match="index out of range in self"):
        compiled_step(m, opt, torch.from_numpy(np.array([[0, 7, 0], [1, 2, 3]])), y)
    with pytest.raises(IndexError, match="index out of range in self"):
        compiled_step(m, opt, torch.from_numpy(np.array([[0, 1, 0], [-1, 2, 3]])), y)


def test_binary_cross_entropy_range_check_runs_in_a_compiled_step():
    """binary_cross_entropy's [0, 1] check of input and target is a kernel of the step: a
    compiled step raises torch's error for each call's values, as eager mode does."""
    def step(m, opt, x, y):
        loss = F.binary_cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    compiled_step = torch.compile(step)
    rng = np.random.default_rng(6)
    x = torch.from_numpy(rng.standard_normal((4, 3)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for _ in range(3):
            compiled_step(m, opt, x, torch.from_numpy(rng.random((4, 2)).astype(np.float32)))
    assert len(compiled_step.sources) == 1
    bad = rng.random((4, 2)).astype(np.float32)
    bad[2, 1] = 1.5
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"
                       ) as err:
        compiled_step(m, opt, x, torch.from_numpy(bad))
    assert "found values" not in str(err.value)  # the step's kernel, not eager mode's check
    bad[2, 1] = np.nan
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        compiled_step(m, opt, x, torch.from_numpy(bad))
