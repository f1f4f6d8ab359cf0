"""nn.utils.rnn (padding and packing variable-length sequences) and packed sequences through
nn.RNN, nn.LSTM and nn.GRU, against torch."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn
from numbagrad.nn.utils import rnn as R


def _np(t):
    return np.asarray(t.detach())


def _pair(torch, array, grad=True):
    return (ng.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad))


def _same_packed(ours, theirs):
    np.testing.assert_allclose(_np(ours.data), theirs.data.detach().numpy(), 1e-10, 1e-12)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.batch_sizes.dtype is ng.int64
    for a, b in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    ours = [ng.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    a = R.pad_sequence(ours, batch_first, -1.5, padding_side)
    b = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(_np(a), b.detach().numpy())
    g = rng.standard_normal(tuple(b.shape))
    a.backward(ng.tensor(g))
    b.backward(torch.tensor(g))
    for x, y in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(x.grad), y.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 3, 1], True), ([2, 4, 2], False),
                                                    ([1, 1, 3], False)])
def test_pack_and_pad_round_trip_matches_torch(lengths, enforce_sorted, batch_first):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    shape = (3, 4, 2) if batch_first else (4, 3, 2)
    x, tx = _pair(torch, rng.standard_normal(shape))
    ours = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    assert isinstance(ours, R.PackedSequence) and isinstance(ours, tuple)
    _same_packed(ours, theirs)
    a, la = R.pad_packed_sequence(ours, batch_first, 0.5, total_length=5)
    b, lb = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, 0.5, total_length=5)
    np.testing.assert_array_equal(_np(a), b.detach().numpy())
    assert la.tolist() == lb.tolist() and la.dtype is ng.int64
    g = rng.standard_normal(tuple(b.shape))
    a.backward(ng.tensor(g))
    b.backward(torch.tensor(g))
    np.testing.assert_array_equal(np.asarray(x.grad), tx.grad.numpy())


def test_pack_sequence_and_unpack_sequence():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 3)) for n in (2, 3, 1)]
    ours = R.pack_sequence([ng.tensor(a) for a in arrays], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays],
                                              enforce_sorted=False)
    _same_packed(ours, theirs)
    for got, want in zip(R.unpack_sequence(ours), arrays):
        np.testing.assert_array_equal(_np(got), want)
    padded = R.pad_sequence([ng.tensor(a) for a in arrays], batch_first=True)
    for got, want in zip(R.unpad_sequence(padded, ng.tensor([2, 3, 1]), batch_first=True),
                         arrays):
        np.testing.assert_array_equal(_np(got), want)


def test_packed_sequence_fields_and_moves():
    packed = R.pack_sequence([ng.ones(2, 1), ng.ones(1, 1)])
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert packed.double().data.dtype is ng.float64 and not packed.is_cuda
    again = R.PackedSequence(packed.data, packed.batch_sizes, ng.tensor([1, 0]))
    assert again.unsorted_indices.tolist() == [1, 0]
    assert R.invert_permutation(ng.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_errors():
    x = ng.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order "
                                           "when `enforce_sorted` is True"):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        R.pack_padded_sequence(x, [2, 0, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        R.pack_padded_sequence(x, [2, 1])
    with pytest.raises(RuntimeError, match="exceeds the padded sequence length 4"):
        R.pack_padded_sequence(x, [5, 3, 1])
    packed = R.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="but got total_length=2 and max sequence length "
                                         "being 3"):
        R.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, "
                                           "but got middle."):
        R.pad_sequence([ng.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        R.pad_sequence([])


def _twin(torch, ours):
    kind = getattr(torch.nn, type(ours).__name__)
    kwargs = dict(num_layers=ours.num_layers, bidirectional=ours.bidirectional)
    if ours.proj_size:
        kwargs["proj_size"] = ours.proj_size
    theirs = kind(ours.input_size, ours.hidden_size, **kwargs).double()
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(_np(getattr(ours, name))))
    return theirs


@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "LSTM_proj"])
def test_packed_input_through_layers_matches_torch(kind, enforce_sorted, with_state):
    torch = pytest.importorskip("torch")
    ng.manual_seed(0)
    cfg = dict(num_layers=2, bidirectional=True)
    ours = (nn.LSTM(2, 3, proj_size=2, **cfg) if kind == "LSTM_proj"
            else getattr(nn, kind)(2, 3, **cfg)).double()
    theirs = _twin(torch, ours)
    lengths = [4, 4, 2, 1] if enforce_sorted else [2, 4, 1, 4]
    rng = np.random.default_rng(3)
    x, tx = _pair(torch, rng.standard_normal((4, 4, 2)))
    n_states = 2 if kind.startswith("LSTM") else 1
    sizes = [ours.proj_size or 3, 3][:n_states]
    states = [_pair(torch, rng.standard_normal((4, 4, s))) for s in sizes] if with_state else []
    results, outs = [], []
    for k, (module, lib) in enumerate(((ours, R), (theirs, torch.nn.utils.rnn))):
        packed = lib.pack_padded_sequence((x, tx)[k], lengths, enforce_sorted=enforce_sorted)
        hx = None
        if states:
            hx = tuple(s[k] for s in states) if n_states == 2 else states[0][k]
        out, final = module(packed, hx)
        assert type(out).__name__ == "PackedSequence"
        outs.append(out)
        results.append([out.data] + (list(final) if n_states == 2 else [final]))
    _same_packed(*outs)
    cotangents = [rng.standard_normal(tuple(r.shape)) for r in results[1]]
    for a, b in zip(*results):
        np.testing.assert_allclose(_np(a), b.detach().numpy(), 1e-10, 1e-12)
    ng.autograd.backward(results[0], [ng.tensor(v) for v in cotangents])
    torch.autograd.backward(results[1], [torch.tensor(v) for v in cotangents])
    pairs = [(x, tx)] + states
    pairs += [(p, dict(theirs.named_parameters())[n]) for n, p in ours.named_parameters()]
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), 1e-10, 1e-12)


def test_packed_output_keeps_permutation():
    gru = nn.GRU(2, 3)
    packed = R.pack_sequence([ng.randn(2, 2), ng.randn(3, 2)], enforce_sorted=False)
    out, h = gru(packed)
    assert out.sorted_indices.tolist() == [1, 0] and out.unsorted_indices.tolist() == [1, 0]
    assert out.batch_sizes.tolist() == [2, 2, 1] and tuple(h.shape) == (1, 2, 3)
    padded, lengths = R.pad_packed_sequence(out, batch_first=True)
    assert lengths.tolist() == [2, 3]
    np.testing.assert_array_equal(_np(padded[0, 2]), np.zeros(3))
    np.testing.assert_allclose(_np(padded[0, 1]), _np(h[0, 0]))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[1, 3\]"):
        gru(packed, ng.zeros(1, 3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 4, got 2"):
        nn.GRU(4, 3)(packed)
