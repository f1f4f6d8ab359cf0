"""embedding_bag inside a compiled step, its indices, offsets and per-sample weights passed as
arguments that change between calls: the bags come from a kernel over each call's offsets and
indices (``bag_ids``), positions holding ``padding_idx`` land in a bag that is dropped, so no
shape depends on values, and losses and weights equal eager mode's bit for bit. Bad offsets and
indices raise eager mode's errors in the step. ``mode="max"`` pads its bags to the longest (a
value) on the host: it runs eagerly, with a reason."""
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn.functional as F

NUM, DIM, N, BAGS = 7, 3, 9, 4

# name: keyword arguments of embedding_bag (offsets: True for 1-D input with offsets)
CASES = {
    "sum": dict(mode="sum"),
    "mean": dict(mode="mean"),
    "weighted": dict(mode="sum", per_sample_weights=True),
    "padding_mean": dict(mode="mean", padding_idx=2),
    "padding_weighted": dict(mode="sum", padding_idx=-1, per_sample_weights=True),
    "last_offset": dict(mode="mean", include_last_offset=True),
    "freq": dict(mode="sum", scale_grad_by_freq=True),
    "two_d": dict(mode="mean", two_d=True),
}


def _steps(case):
    kwargs = dict(CASES[case])
    two_d, weighted = kwargs.pop("two_d", False), kwargs.pop("per_sample_weights", False)

    def setup():
        torch.manual_seed(0)
        w = torch.nn.Parameter(torch.randn(NUM, DIM))
        return w, torch.optim.SGD([w], lr=0.1, momentum=0.9)

    def make(w, opt):
        def step(idx, offsets, psw):
            opt.zero_grad()
            out = F.embedding_bag(idx, w, None if two_d else offsets,
                                  per_sample_weights=psw if weighted else None, **kwargs)
            loss = (out * out).sum()
            loss.backward()
            opt.step()
            return out.detach()
        return step

    (w1, o1), (w2, o2) = setup(), setup()
    return (w1, make(w1, o1)), (w2, torch.compile(make(w2, o2))), two_d, kwargs


def _batch(rng, two_d, kwargs):
    if two_d:
        idx = rng.integers(0, NUM, (BAGS, 3))
    else:
        idx = rng.integers(0, NUM, N)
    cuts = np.sort(rng.integers(0, N + 1, BAGS - 1))  # empty bags too
    offsets = np.concatenate([[0], cuts] + ([[N]] if kwargs.get("include_last_offset") else []))
    psw = rng.standard_normal(idx.shape).astype(np.float32)
    return torch.from_numpy(idx), torch.from_numpy(offsets), torch.from_numpy(psw)


@pytest.mark.parametrize("case", list(CASES))
def test_embedding_bag_follows_its_bags_in_a_compiled_step(case):
    rng = np.random.default_rng(0)
    (w1, eager), (w2, compiled), two_d, kwargs = _steps(case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(6):
            batch = _batch(rng, two_d, kwargs)
            np.testing.assert_array_equal(eager(*batch).numpy(), compiled(*batch).numpy())
            np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())
    assert len(compiled.sources) == 1


BAD = {
    "offset_start": (lambda i, o: (i, o + 1), "offsets\\[0\\] has to be 0"),
    "offset_order": (lambda i, o: (i, o.flip(0) * 0 + torch.tensor([0, 5, 3, 6])),
                     "offsets must be non-decreasing"),
    "offset_end": (lambda i, o: (i, o * 0 + torch.tensor([0, 1, 2, N + 1])),
                   "offsets\\[-1\\] can not be greater than input's length 9"),
    "index": (lambda i, o: (i * 0 + NUM, o), "Index 0 of input takes value 7 which is not in "
                                             "the valid range \\[0, 7\\)"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_embedding_bag_bad_offsets_or_indices_raise_in_the_step(name):
    rng = np.random.default_rng(1)
    (w1, eager), (w2, compiled), two_d, kwargs = _steps("mean")
    for _ in range(3):
        batch = _batch(rng, two_d, kwargs)
        eager(*batch)
        compiled(*batch)
    idx, offsets, psw = _batch(rng, two_d, kwargs)
    bad, text = BAD[name]
    args = bad(idx, offsets) + (psw,)
    with pytest.raises(RuntimeError, match=text) as eager_error:
        eager(*args)
    with pytest.raises(RuntimeError, match=text) as compiled_error:
        compiled(*args)
    assert str(eager_error.value) == str(compiled_error.value)
    np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())
    assert len(compiled.sources) == 1


def test_embedding_bag_max_runs_eagerly_with_a_reason():
    rng = np.random.default_rng(2)
    w = torch.randn(NUM, DIM, requires_grad=True)

    def step(idx, offsets):
        out = F.embedding_bag(idx, w, offsets, mode="max")
        out.sum().backward()
        return out.detach()

    compiled = torch.compile(step)
    with pytest.warns(UserWarning, match="runs eagerly"):
        for _ in range(4):
            idx, offsets, _ = _batch(rng, False, {})
            np.testing.assert_array_equal(step(idx, offsets).numpy(),
                                          compiled(idx, offsets).numpy())
    assert not compiled.sources
