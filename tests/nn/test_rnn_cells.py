"""nn.RNNCell, nn.LSTMCell and nn.GRUCell: parameters, reprs, errors, and outputs and
gradients against torch."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn

IN, HID, BATCH = 3, 4, 2


def _make(kind, bias=True):
    if kind.startswith("RNNCell"):
        return nn.RNNCell(IN, HID, bias, nonlinearity=kind.split("_")[1])
    return getattr(nn, kind)(IN, HID, bias)


def _twin(torch, ours, dtype):
    kwargs = {"nonlinearity": ours.nonlinearity} if isinstance(ours, nn.RNNCell) else {}
    theirs = getattr(torch.nn, type(ours).__name__)(IN, HID, ours.bias, **kwargs).to(dtype)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(np.asarray(getattr(ours, name).detach())))
    return theirs


@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-10, 1e-12),
                                             ("float32", 1e-5, 1e-6)])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["RNNCell_tanh", "RNNCell_relu", "LSTMCell", "GRUCell"])
def test_matches_torch(kind, bias, with_state, batched, dtype, rtol, atol):
    torch = pytest.importorskip("torch")
    ng.manual_seed(0)
    np_dtype = getattr(np, dtype)
    ours = _make(kind, bias).to(getattr(ng, dtype))
    theirs = _twin(torch, ours, getattr(torch, dtype))
    rng = np.random.default_rng(0)
    lead = (BATCH,) if batched else ()
    x = rng.standard_normal(lead + (IN,)).astype(np_dtype)
    n_states = 2 if kind == "LSTMCell" else 1
    states = [rng.standard_normal(lead + (HID,)).astype(np_dtype)
              for _ in range(n_states)] if with_state else []
    inputs = [[ng.tensor(a, requires_grad=True) for a in [x] + states],
              [torch.tensor(a, requires_grad=True) for a in [x] + states]]
    results = []
    for module, ins in ((ours, inputs[0]), (theirs, inputs[1])):
        hx = None
        if states:
            hx = tuple(ins[1:]) if n_states == 2 else ins[1]
        out = module(ins[0], hx)
        results.append(list(out) if n_states == 2 else [out])
    cotangents = [rng.standard_normal(tuple(r.shape)).astype(np_dtype) for r in results[1]]
    for a, b in zip(*results):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol, atol)
    ng.autograd.backward(results[0], [ng.tensor(v) for v in cotangents])
    torch.autograd.backward(results[1], [torch.tensor(v) for v in cotangents])
    pairs = list(zip(*inputs))
    pairs += [(p, dict(theirs.named_parameters())[n]) for n, p in ours.named_parameters()]
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol, atol)


def test_parameters_and_init():
    cell = nn.GRUCell(5, 6)
    shapes = {n: tuple(p.shape) for n, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (18, 5), "weight_hh": (18, 6), "bias_ih": (18,),
                      "bias_hh": (18,)}
    assert tuple(nn.LSTMCell(5, 6).weight_hh.shape) == (24, 6)
    assert [n for n, _ in nn.RNNCell(5, 6, bias=False).named_parameters()] == ["weight_ih",
                                                                               "weight_hh"]
    assert nn.RNNCell(5, 6, bias=False).bias_ih is None
    bound = 1 / np.sqrt(6)
    for p in cell.parameters():
        values = np.asarray(p.detach())
        assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 4


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for name, args in (("RNNCell", (3, 4)), ("LSTMCell", (3, 4, False)), ("GRUCell", (3, 4))):
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"


def test_errors():
    cell = nn.RNNCell(3, 4)
    with pytest.raises(ValueError, match="^RNNCell: Expected input to be 1D or 2D, got 3D "
                                         "instead$"):
        cell(ng.randn(2, 2, 3))
    with pytest.raises(ValueError, match="^GRUCell: Expected hidden to be 1D or 2D, got 3D "
                                         "instead$"):
        nn.GRUCell(3, 4)(ng.randn(2, 3), ng.randn(1, 2, 4))
    with pytest.raises(RuntimeError, match="^input has inconsistent input_size: got 4 expected "
                                           "3$"):
        cell(ng.randn(2, 4))
    with pytest.raises(RuntimeError, match="^Input batch size 2 doesn't match hidden0 batch "
                                           "size 3$"):
        cell(ng.randn(2, 3), ng.randn(3, 4))
    with pytest.raises(RuntimeError, match="^hidden0 has inconsistent hidden_size: got 5, "
                                           "expected 4$"):
        cell(ng.randn(2, 3), ng.randn(2, 5))
    with pytest.raises(RuntimeError, match="^hidden1 has inconsistent hidden_size: got 5, "
                                           "expected 4$"):
        nn.LSTMCell(3, 4)(ng.randn(2, 3), (ng.randn(2, 4), ng.randn(2, 5)))
    with pytest.raises(RuntimeError, match="^lstm_cell expects two hidden states$"):
        nn.LSTMCell(3, 4)(ng.randn(2, 3), (ng.randn(2, 4),))
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: sigmoid"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")(ng.randn(2, 3))
