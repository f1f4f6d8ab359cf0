"""nn.RNN, nn.LSTM and nn.GRU: parameters, reprs, errors, and outputs and gradients against
torch."""
import warnings

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn

# Sizes stay small: the point is the stacking, directions and layouts, not the arithmetic.
SEQ, BATCH, IN, HID = 4, 3, 5, 3


def _torch_twin(torch, ours, dtype):
    """The torch module of the same configuration, holding ``ours``' parameters."""
    kind = {"LSTM": torch.nn.LSTM, "RNN": torch.nn.RNN,
            "GRU": torch.nn.GRU}[type(ours).__name__]
    kwargs = dict(num_layers=ours.num_layers, bias=ours.bias, batch_first=ours.batch_first,
                  bidirectional=ours.bidirectional)
    if kind is torch.nn.RNN:
        kwargs["nonlinearity"] = ours.nonlinearity
    if kind is torch.nn.LSTM:
        kwargs["proj_size"] = ours.proj_size
    theirs = kind(ours.input_size, ours.hidden_size, **kwargs).to(dtype)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(np.asarray(getattr(ours, name).detach())))
    return theirs


def _compare(torch, ours, x, states, dtype, rtol, atol):
    """Run both modules on ``x`` (and initial ``states``), backpropagate the same random
    cotangents through every result, and compare results and all gradients."""
    np_dtype = np.float32 if dtype == "float32" else np.float64
    theirs = _torch_twin(torch, ours, getattr(torch, dtype))
    ours = ours.to(getattr(ng, dtype))
    ours.zero_grad()
    xs = [ng.tensor(x.astype(np_dtype), requires_grad=True),
          torch.tensor(x.astype(np_dtype), requires_grad=True)]
    hs = None if states is None else [
        [ng.tensor(s.astype(np_dtype), requires_grad=True) for s in states],
        [torch.tensor(s.astype(np_dtype), requires_grad=True) for s in states]]
    results = []
    for k, (module, lib) in enumerate(((ours, ng), (theirs, torch))):
        if hs is None:
            out = module(xs[k])
        elif isinstance(module, (nn.LSTM, torch.nn.LSTM)):
            out = module(xs[k], tuple(hs[k]))
        else:
            out = module(xs[k], hs[k][0])
        flat = [out[0]] + (list(out[1]) if isinstance(out[1], tuple) else [out[1]])
        results.append(flat)
    rng = np.random.default_rng(1)
    cotangents = [rng.standard_normal(tuple(r.shape)).astype(np_dtype) for r in results[1]]
    ng.autograd.backward(results[0], [ng.tensor(v) for v in cotangents])
    torch.autograd.backward(results[1], [torch.tensor(v) for v in cotangents])
    for a, b in zip(results[0], results[1]):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol, atol)
    pairs = [(xs[0], xs[1])] + ([] if hs is None else list(zip(hs[0], hs[1])))
    pairs += [(p, dict(theirs.named_parameters())[n]) for n, p in ours.named_parameters()]
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol, atol)


CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(batch_first=True),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
]


def _input(cfg, batched=True):
    rng = np.random.default_rng(0)
    if not batched:
        return rng.standard_normal((SEQ, IN))
    shape = (BATCH, SEQ, IN) if cfg.get("batch_first") else (SEQ, BATCH, IN)
    return rng.standard_normal(shape)


def _states(cfg, n, batched=True, proj=0):
    """``n`` initial states; with projections the first (``h``) has ``proj`` features."""
    rng = np.random.default_rng(2)
    layers = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    sizes = [proj or HID] + [HID] * (n - 1)
    return [rng.standard_normal((layers, BATCH, size) if batched else (layers, size))
            for size in sizes]


def _module(kind, cfg):
    """Ours of ``kind`` and its number of states."""
    if kind == "LSTM":
        return nn.LSTM(IN, HID, **cfg), 2
    if kind == "LSTM_proj":
        return nn.LSTM(IN, HID, proj_size=2, **cfg), 2
    if kind == "GRU":
        return nn.GRU(IN, HID, **cfg), 1
    return nn.RNN(IN, HID, nonlinearity=kind[4:], **cfg), 1


@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-10, 1e-12),
                                             ("float32", 1e-4, 1e-5)])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(c) or "default")
@pytest.mark.parametrize("kind", ["LSTM", "RNN_tanh", "RNN_relu", "GRU", "LSTM_proj"])
def test_matches_torch(kind, cfg, with_state, dtype, rtol, atol):
    torch = pytest.importorskip("torch")
    ng.manual_seed(0)
    ours, n_states = _module(kind, cfg)
    states = _states(cfg, n_states, proj=ours.proj_size) if with_state else None
    _compare(torch, ours, _input(cfg), states, dtype, rtol, atol)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", ["LSTM", "RNN_tanh", "GRU", "LSTM_proj"])
def test_unbatched_input_matches_torch(kind, batch_first):
    torch = pytest.importorskip("torch")
    cfg = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    ours, n_states = _module(kind, cfg)
    for states in (None, _states(cfg, n_states, batched=False, proj=ours.proj_size)):
        _compare(torch, ours, _input(cfg, batched=False), states, "float64", 1e-10, 1e-12)


def test_parameter_names_shapes_and_init():
    lstm = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    shapes = {n: tuple(p.shape) for n, p in lstm.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_ih_l0_reverse"]
    assert shapes["weight_ih_l0"] == (80, 10)
    assert shapes["weight_hh_l0_reverse"] == (80, 20)
    assert shapes["weight_ih_l1"] == (80, 40)  # reads both directions of layer 0
    assert shapes["bias_hh_l1_reverse"] == (80,)
    assert len(shapes) == 16
    bound = 1 / np.sqrt(20)
    for p in lstm.parameters():
        values = np.asarray(p.detach())
        assert values.min() >= -bound and values.max() <= bound
        assert values.std() > bound / 4  # drawn, not left empty or constant
    rnn = nn.RNN(4, 6, bias=False)
    assert [n for n, _ in rnn.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert tuple(rnn.weight_hh_l0.shape) == (6, 6)
    assert [[tuple(p.shape) for p in ps] for ps in rnn.all_weights] == [[(6, 4), (6, 6)]]


@pytest.mark.parametrize("module,text", [
    (lambda: nn.LSTM(10, 20, num_layers=2, batch_first=True),
     "LSTM(10, 20, num_layers=2, batch_first=True)"),
    (lambda: nn.RNN(10, 20, nonlinearity="relu"), "RNN(10, 20)"),
    (lambda: nn.LSTM(3, 4, 2, bias=False, dropout=0.5, bidirectional=True),
     "LSTM(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)"),
])
def test_repr(module, text):
    assert repr(module()) == text


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(num_layers=3, bias=False, batch_first=True, dropout=0.25, bidirectional=True)
    assert repr(nn.LSTM(7, 9, **kwargs)) == repr(torch.nn.LSTM(7, 9, **kwargs))
    assert repr(nn.RNN(7, 9, **kwargs)) == repr(torch.nn.RNN(7, 9, **kwargs))


def test_wrong_input_size():
    lstm = nn.LSTM(10, 20)
    with pytest.raises(RuntimeError, match=r"^input.size\(-1\) must be equal to input_size. "
                                           r"Expected 10, got 5$"):
        lstm(ng.randn(3, 2, 5))


def test_wrong_hidden_shape():
    with pytest.raises(RuntimeError,
                       match=r"^Expected hidden size \(1, 2, 20\), got \[1, 3, 20\]$"):
        nn.RNN(10, 20)(ng.randn(3, 2, 10), ng.zeros(1, 3, 20))
    with pytest.raises(RuntimeError, match=r"^Expected hidden\[1\] size \(2, 2, 20\), got "
                                           r"\[1, 2, 20\]$"):
        nn.LSTM(10, 20, 2)(ng.randn(3, 2, 10), (ng.zeros(2, 2, 20), ng.zeros(1, 2, 20)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but "
                                           "got 2-D tensor"):
        nn.RNN(10, 20)(ng.randn(3, 2, 10), ng.zeros(2, 20))
    with pytest.raises(RuntimeError, match=r"For unbatched 2-D input, hx and cx should also be "
                                           r"2-D but got \(3-D, 3-D\) tensors"):
        nn.LSTM(10, 20)(ng.randn(3, 10), (ng.zeros(1, 1, 20), ng.zeros(1, 1, 20)))


def test_other_errors():
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        nn.LSTM(2, 3)(ng.randn(1, 1, 1, 2))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        nn.RNN(2, 3)(ng.randn(4, 1, 2, dtype=ng.float64))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(2, 3, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(2, 3, proj_size=3)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 2, 3, proj_size=2)
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        nn.LSTM(2, 3)(ng.zeros(0, 1, 2))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.RNN(2, 3, dropout=0.5)


def test_empty_batch():
    output, (h, c) = nn.LSTM(2, 3)(ng.zeros(4, 0, 2))
    assert tuple(output.shape) == (4, 0, 3) and tuple(h.shape) == (1, 0, 3)


def test_dropout_between_layers_only_in_training():
    ng.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ng.randn(5, 2, 3)
    lstm.eval()
    first, _ = lstm(x)
    second, _ = lstm(x)
    np.testing.assert_array_equal(np.asarray(first.detach()), np.asarray(second.detach()))
    lstm.train()
    dropped, _ = lstm(x)
    assert not np.allclose(np.asarray(dropped.detach()), np.asarray(first.detach()))


def test_gradients_reach_every_parameter_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dropout=0.2)
    output, (h, c) = lstm(ng.randn(5, 2, 3))
    (output.sum() + h.sum() + c.sum()).backward()
    for name, p in lstm.named_parameters():
        assert p.grad is not None and np.abs(np.asarray(p.grad)).sum() > 0, name


def test_projected_lstm_parameters_and_states():
    lstm = nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True)
    shapes = {n: tuple(p.shape) for n, p in lstm.named_parameters()}
    assert list(shapes)[:6] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_hr_l0", "weight_ih_l0_reverse"]
    assert shapes["weight_hh_l0"] == (20, 2) and shapes["weight_hr_l1_reverse"] == (2, 5)
    assert shapes["weight_ih_l1"] == (20, 4)
    output, (h, c) = lstm(ng.randn(4, 3, 3))
    assert tuple(output.shape) == (4, 3, 4)
    assert tuple(h.shape) == (4, 3, 2) and tuple(c.shape) == (4, 3, 5)
    with pytest.raises(RuntimeError, match=r"^Expected hidden\[0\] size \(4, 3, 2\), got "
                                           r"\[4, 3, 5\]$"):
        lstm(ng.randn(4, 3, 3), (ng.zeros(4, 3, 5), ng.zeros(4, 3, 5)))


def test_state_dict_loads_into_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True),
                          torch.nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True)),
                         (nn.GRU(3, 4, 2, bias=False), torch.nn.GRU(3, 4, 2, bias=False))):
        state = {k: torch.from_numpy(np.asarray(v)) for k, v in ours.state_dict().items()}
        assert list(state) == list(theirs.state_dict())
        theirs.load_state_dict(state)
