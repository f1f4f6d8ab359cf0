"""nn.Embedding, nn.EmbeddingBag, F.embedding, F.embedding_bag and F.one_hot against torch:
forward values, weight (and per-sample-weight) gradients, padding rows, frequency scaling,
max-norm renormalisation, reprs and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")
F = ng.nn.functional
TF = torch.nn.functional

_W = np.random.default_rng(0).standard_normal((6, 3))
_INDEX = [[1, 4, 1], [0, 5, 1]]


def _pair(values, dtype, requires_grad=True):
    return (ng.tensor(values, dtype=getattr(ng, dtype), requires_grad=requires_grad),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad))


def _close(a, b, dtype="float64"):
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("padding_idx", [None, 1, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_forward_and_weight_gradient_match_torch(dtype, padding_idx,
                                                            scale_grad_by_freq):
    wn, wt = _pair(_W, dtype)
    a = F.embedding(ng.tensor(_INDEX), wn, padding_idx=padding_idx,
                    scale_grad_by_freq=scale_grad_by_freq)
    b = TF.embedding(torch.tensor(_INDEX), wt, padding_idx=padding_idx,
                     scale_grad_by_freq=scale_grad_by_freq)
    _close(a, b, dtype)
    g = np.random.default_rng(1).standard_normal(tuple(b.shape))
    a.backward(ng.tensor(g, dtype=wn.dtype))
    b.backward(torch.tensor(g, dtype=wt.dtype))
    _close(wn.grad, wt.grad, dtype)


def test_padding_row_gets_no_gradient_even_when_looked_up():
    w = ng.tensor(_W, requires_grad=True)
    F.embedding(ng.tensor([1, 1, 2]), w, padding_idx=1).sum().backward()
    assert w.grad[1].tolist() == [0.0, 0.0, 0.0]
    assert w.grad[2].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_max_norm_renormalises_looked_up_rows_in_place_as_torch(norm_type):
    wn, wt = _pair(_W * 3, "float64")
    index = [1, 3, 3]
    a = F.embedding(ng.tensor(index), wn, max_norm=1.5, norm_type=norm_type)
    b = TF.embedding(torch.tensor(index), wt, max_norm=1.5, norm_type=norm_type)
    _close(a, b)
    _close(wn, wt)  # the table itself changed, only at rows 1 and 3
    np.testing.assert_array_equal(wn.detach().numpy()[[0, 2, 4, 5]], _W[[0, 2, 4, 5]] * 3)
    a.sum().backward()
    b.sum().backward()
    _close(wn.grad, wt.grad)


def test_embedding_module_initialisation_repr_and_from_pretrained():
    ng.manual_seed(0)
    emb = ng.nn.Embedding(10, 4, padding_idx=-2)
    assert emb.padding_idx == 8
    assert emb.weight.shape == (10, 4) and emb.weight.requires_grad
    assert emb.weight[8].tolist() == [0.0] * 4
    assert abs(float(emb.weight.std())) > 0.5  # drawn from N(0, 1)
    assert list(emb.state_dict()) == ["weight"]
    assert repr(emb) == repr(torch.nn.Embedding(10, 4, padding_idx=-2))
    full = dict(padding_idx=1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)
    assert repr(ng.nn.Embedding(5, 3, **full)) == repr(torch.nn.Embedding(5, 3, **full))
    table = ng.tensor(_W, dtype=ng.float32)
    frozen = ng.nn.Embedding.from_pretrained(table, padding_idx=2)
    assert not frozen.weight.requires_grad
    assert repr(frozen) == "Embedding(6, 3, padding_idx=2)"
    np.testing.assert_array_equal(frozen(ng.tensor([2])).numpy(), table.numpy()[[2]])
    assert ng.nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_module_trains_like_torch():
    wn, wt = _pair(_W, "float32", requires_grad=False)
    a = ng.nn.Embedding.from_pretrained(wn, freeze=False, padding_idx=0)
    b = torch.nn.Embedding.from_pretrained(wt, freeze=False, padding_idx=0)
    out_a, out_b = a(ng.tensor(_INDEX)), b(torch.tensor(_INDEX))
    (out_a ** 2).sum().backward()
    (out_b ** 2).sum().backward()
    _close(a.weight.grad, b.weight.grad, "float32")


def test_embedding_errors_before_any_kernel():
    w = ng.tensor(_W)
    for bad in ([6], [-1], [[0, 7]]):
        with pytest.raises(IndexError, match="index out of range in self"):
            F.embedding(ng.tensor(bad), w)
    with pytest.raises(RuntimeError, match="Long, Int; but got torch.FloatTensor"):
        F.embedding(ng.tensor([1.0]), w)
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        F.embedding(ng.tensor([1]), ng.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        ng.nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(ng.tensor([1]), w, padding_idx=-7)
    with pytest.raises(NotImplementedError, match="sparse"):
        ng.nn.Embedding(5, 3, sparse=True)
    with pytest.raises(AssertionError, match="2-dimensional"):
        ng.nn.Embedding.from_pretrained(ng.zeros(3))


def test_embedding_int32_indices_and_empty_input():
    w = ng.tensor(_W)
    out = F.embedding(ng.tensor([[2, 0]], dtype=ng.int32), w)
    np.testing.assert_array_equal(out.numpy(), _W[[[2, 0]]])
    assert F.embedding(ng.tensor([], dtype=ng.int64), w).shape == (0, 3)


_BAG_INPUT = [1, 2, 3, 2, 4, 0, 2]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_matches_torch(mode, padding_idx, include_last_offset):
    offsets = [0, 2, 2, 5] + ([7] if include_last_offset else [])
    wn, wt = _pair(_W, "float64")
    a = F.embedding_bag(ng.tensor(_BAG_INPUT), wn, ng.tensor(offsets), mode=mode,
                        padding_idx=padding_idx, include_last_offset=include_last_offset)
    b = TF.embedding_bag(torch.tensor(_BAG_INPUT), wt, torch.tensor(offsets), mode=mode,
                         padding_idx=padding_idx, include_last_offset=include_last_offset)
    _close(a, b)
    g = np.random.default_rng(2).standard_normal(tuple(b.shape))
    a.backward(ng.tensor(g))
    b.backward(torch.tensor(g))
    _close(wn.grad, wt.grad)


def test_embedding_bag_max_sends_ties_to_the_first_row_as_torch():
    values = [[1.0, 5.0], [1.0, 2.0], [3.0, 5.0]]
    wn, wt = _pair(values, "float64")
    F.embedding_bag(ng.tensor([0, 1, 2, 1]), wn, ng.tensor([0]), mode="max").sum().backward()
    TF.embedding_bag(torch.tensor([0, 1, 2, 1]), wt, torch.tensor([0]),
                     mode="max").sum().backward()
    _close(wn.grad, wt.grad)


def test_embedding_bag_per_sample_weights_and_2d_input_match_torch():
    wn, wt = _pair(_W, "float32")
    pn, pt = _pair(np.linspace(0.5, 2.0, 6).reshape(2, 3), "float32")
    bag_a = ng.nn.EmbeddingBag.from_pretrained(wn, freeze=False, mode="sum")
    bag_b = torch.nn.EmbeddingBag.from_pretrained(wt, freeze=False, mode="sum")
    a = bag_a(ng.tensor(_INDEX), per_sample_weights=pn)
    b = bag_b(torch.tensor(_INDEX), per_sample_weights=pt)
    _close(a, b, "float32")
    a.sum().backward()
    b.sum().backward()
    _close(bag_a.weight.grad, bag_b.weight.grad, "float32")
    _close(pn.grad, pt.grad, "float32")


def test_embedding_bag_weighted_with_padding_matches_torch():
    wn, wt = _pair(_W, "float64")
    pn, pt = _pair(np.linspace(0.5, 2.0, 7), "float64")
    offsets = [0, 2, 2, 5]
    a = F.embedding_bag(ng.tensor(_BAG_INPUT), wn, ng.tensor(offsets), mode="sum",
                        padding_idx=2, per_sample_weights=pn)
    b = TF.embedding_bag(torch.tensor(_BAG_INPUT), wt, torch.tensor(offsets), mode="sum",
                         padding_idx=2, per_sample_weights=pt)
    _close(a, b)
    (a * a).sum().backward()
    (b * b).sum().backward()
    _close(wn.grad, wt.grad)
    _close(pn.grad, pt.grad)


def test_from_pretrained_shares_the_given_storage():
    table = ng.zeros(3, 2)
    emb = ng.nn.Embedding.from_pretrained(table)
    table.add_(1)
    assert emb.weight.tolist() == [[1.0, 1.0]] * 3


@pytest.mark.skipif(not ng.cuda.is_available(), reason="no CUDA device (or simulator)")
def test_embedding_options_on_cuda_match_the_cpu():
    for device in ("cpu", "cuda"):
        w = ng.tensor(_W * 3, device=device, requires_grad=True)
        out = F.embedding(ng.tensor(_INDEX, device=device), w, padding_idx=1, max_norm=1.0,
                          scale_grad_by_freq=True)
        (out * out).sum().backward()
        bag = F.embedding_bag(ng.tensor(_BAG_INPUT, device=device), w,
                              ng.tensor([0, 2, 2, 5], device=device), mode="max")
        if device == "cpu":
            expected = (out.detach().numpy(), w.grad.numpy(), bag.detach().numpy())
        else:
            got = (out.detach().cpu().numpy(), w.grad.cpu().numpy(), bag.detach().cpu().numpy())
            for a, b in zip(got, expected):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert F.one_hot(ng.tensor([0, 2], device="cuda")).device.type == "cuda"


def test_embedding_bag_module_repr_and_init():
    ng.manual_seed(0)
    for kwargs in ({}, dict(mode="max", include_last_offset=True),
                   dict(max_norm=2.0, padding_idx=1, scale_grad_by_freq=True, norm_type=1.0)):
        assert repr(ng.nn.EmbeddingBag(5, 3, **kwargs)) == repr(
            torch.nn.EmbeddingBag(5, 3, **kwargs))
    bag = ng.nn.EmbeddingBag(5, 3, padding_idx=1)
    assert bag.weight[1].tolist() == [0.0] * 3
    assert list(bag.state_dict()) == ["weight"]


def test_embedding_bag_errors_as_torch():
    w = ng.tensor(_W)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(ng.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(ng.tensor([[1, 2]]), w, ng.tensor([0]))
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([1]))
    with pytest.raises(RuntimeError, match=r"offsets\[-1\] can not be greater"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="last offset value should be the size"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0, 1]), include_last_offset=True)
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0]), mode="prod")
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0]), per_sample_weights=ng.ones(2))
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0]), mode="sum",
                        per_sample_weights=ng.ones(3))
    with pytest.raises(RuntimeError, match=r"takes value 9 which is not in the valid range"):
        F.embedding_bag(ng.tensor([1, 9]), w, ng.tensor([0]))
    with pytest.raises(RuntimeError, match="-6 through 5, but got 6"):
        F.embedding_bag(ng.tensor([[1, 2]]), w, padding_idx=6)
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        ng.nn.EmbeddingBag(5, 3, padding_idx=-6)
    with pytest.raises(RuntimeError, match="'indices' .* but got torch.FloatTensor"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0.0]))
    with pytest.raises(RuntimeError, match="does not equal torch.LongTensor"):
        F.embedding_bag(ng.tensor([[1, 2]]), w, mode="sum",
                        per_sample_weights=ng.ones(1, 2, dtype=ng.int64))
    with pytest.raises(TypeError, match=r"argument 'indices' \(position 2\) must be Tensor"):
        F.embedding([1], w)


def test_embedding_bag_without_bags_gives_no_rows():
    out = F.embedding_bag(ng.tensor([1, 2]), ng.tensor(_W), ng.tensor([], dtype=ng.int64))
    assert out.shape == (0, 3)


def test_one_hot_matches_torch():
    for values, n in (([0, 2, 1], -1), ([[1], [3]], 5), (3, -1), ([], 4)):
        a = F.one_hot(ng.tensor(values, dtype=ng.int64), n)
        b = TF.one_hot(torch.tensor(values, dtype=torch.int64), n)
        assert a.dtype is ng.int64
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for values, n, message in (([1, -1], -1, "non-negative"), ([1, 3], 3, "smaller than"),
                               ([], -1, "Can not infer")):
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(ng.tensor(values, dtype=ng.int64), n)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ng.tensor([1], dtype=ng.int32))
