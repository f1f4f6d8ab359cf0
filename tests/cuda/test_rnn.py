"""The GPU recurrent layers (RNN, LSTM, GRU) against the CPU's: forward and backpropagation
through time, both directions, both dtypes, strided operands and empty batches.

Shapes are tiny (the simulator runs each CUDA thread as a Python thread) but ``N * H`` exceeds
the tests' 32 threads per block, so every cell kernel spans several blocks.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import rnn as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import rnn as gpu
from numbagrad.backends.cuda.shape import basic_index, permute
from numbagrad.ops import scalar as F

_ACT = {"tanh": (F.tanh, F.tanh_vjp), "relu": (F.relu, F.relu_vjp)}
_LSTM = (F.sigmoid, F.sigmoid_vjp, F.tanh, F.tanh_vjp)
# float32: the products add in another order than BLAS does, over a few steps of recurrence.
_TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-5}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


def _inputs(rng, dtype, steps, batch, n_in, hidden, gates, n_states):
    """Host arrays ``x, states..., w_ih, w_hh, b_ih, b_hh``; ``w_hh`` scaled so the states
    stay away from saturation."""
    rows = gates * hidden
    shapes = ([(steps, batch, n_in)] + [(batch, hidden)] * n_states
              + [(rows, n_in), (rows, hidden), (rows,), (rows,)])
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    arrays[-3] *= dtype(0.5)
    return arrays


def _close(got, expected, dtype):
    for g, e in zip(got, expected):
        host = _array.to_host(g)
        assert host.shape == e.shape and host.dtype == e.dtype
        np.testing.assert_allclose(host, e, **_TOL[dtype])


def _time_major(hc):
    """``hc (2, L, N, H)`` as a view of a copy stored ``(L, 2, N, H)``: not contiguous."""
    return permute(_array.to_device(_array.to_host(hc).transpose(1, 0, 2, 3)), (1, 0, 2, 3))


def _d(arrays):
    return [_array.to_device(a) for a in arrays]


@pytest.mark.parametrize("act, dtype, reverse", [("tanh", np.float64, False),
                                                 ("tanh", np.float32, True),
                                                 ("relu", np.float64, True)])
def test_rnn_layer_and_vjp_match_cpu(act, dtype, reverse, rng):
    arrays = _inputs(rng, dtype, 3, 3, 2, 12, 1, 1)
    h, z = cpu.rnn_layer(*arrays, *_ACT[act], reverse)
    gh, gz = gpu.rnn_layer(*_d(arrays), *_ACT[act], reverse)
    _close((gh, gz), (h, z), dtype)

    g = rng.standard_normal(h.shape).astype(dtype)
    x, h0, w_ih, w_hh = arrays[:4]
    expected = cpu.rnn_layer_vjp(g, x, h0, w_ih, w_hh, h, z, *_ACT[act], reverse)
    got = gpu.rnn_layer_vjp(*_d([g, x, h0, w_ih, w_hh]), gh, gz, *_ACT[act], reverse)
    _close(got, expected, dtype)


@pytest.mark.parametrize("dtype, reverse", [(np.float64, False), (np.float32, True)])
def test_lstm_layer_and_vjp_match_cpu(dtype, reverse, rng):
    arrays = _inputs(rng, dtype, 3, 3, 2, 11, 4, 2)
    hc, z = cpu.lstm_layer(*arrays, _LSTM, reverse)
    ghc, gz = gpu.lstm_layer(*_d(arrays), _LSTM, reverse)
    _close((ghc, gz), (hc, z), dtype)

    g = rng.standard_normal(hc.shape).astype(dtype)
    x, h0, c0, w_ih, w_hh = arrays[:5]
    expected = cpu.lstm_layer_vjp(g, x, h0, c0, w_ih, w_hh, hc, z, _LSTM, reverse)
    got = gpu.lstm_layer_vjp(*_d([g, x, h0, c0, w_ih, w_hh]), ghc, gz, _LSTM, reverse)
    _close(got, expected, dtype)


@pytest.mark.parametrize("dtype, reverse", [(np.float64, False), (np.float32, True)])
def test_gru_layer_and_vjp_match_cpu(dtype, reverse, rng):
    arrays = _inputs(rng, dtype, 3, 3, 2, 11, 3, 1)
    h, z = cpu.gru_layer(*arrays, _LSTM, reverse)
    gh, gz = gpu.gru_layer(*_d(arrays), _LSTM, reverse)
    _close((gh, gz), (h, z), dtype)

    g = rng.standard_normal(h.shape).astype(dtype)
    x, h0, w_ih, w_hh = arrays[:4]
    expected = cpu.gru_layer_vjp(g, x, h0, w_ih, w_hh, h, z, _LSTM, reverse)
    got = gpu.gru_layer_vjp(*_d([g, x, h0, w_ih, w_hh]), gh, gz, _LSTM, reverse)
    _close(got, expected, dtype)


def test_gru_empty_batch(rng):
    arrays = _inputs(rng, np.float64, 2, 0, 2, 3, 3, 1)
    h, z = cpu.gru_layer(*arrays, _LSTM)
    gh, gz = gpu.gru_layer(*_d(arrays), _LSTM)
    _close((gh, gz), (h, z), np.float64)
    expected = cpu.gru_layer_vjp(h, *arrays[:4], h, z, _LSTM)
    _close(gpu.gru_layer_vjp(gh, *_d(arrays[:4]), gh, gz, _LSTM), expected, np.float64)


def test_lstm_reads_strided_views(rng):
    """Transposed, sliced and permuted operands, as the ops hand them over from views."""
    dtype = np.float64
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = _inputs(rng, dtype, 2, 3, 2, 3, 4, 2)
    hc, z = cpu.lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, _LSTM, True)
    g = rng.standard_normal(hc.shape)
    expected = cpu.lstm_layer_vjp(g, x, h0, c0, w_ih, w_hh, hc, z, _LSTM, True)

    dx = permute(_array.to_device(x.transpose(1, 0, 2)), (1, 0, 2))       # batch-major storage
    dh0 = permute(_array.to_device(h0.T), (1, 0))                        # transposed
    dw_ih = basic_index(_array.to_device(np.repeat(w_ih, 2, axis=1)), (slice(None), slice(0, 4, 2)))
    db = basic_index(_array.to_device(np.stack([b_ih, b_hh], 1)), (slice(None), 0))  # stride 2
    dg = permute(_array.to_device(g.transpose(0, 2, 1, 3)), (0, 2, 1, 3))
    ghc, gz = gpu.lstm_layer(dx, dh0, _array.to_device(c0), dw_ih, _array.to_device(w_hh), db,
                             _array.to_device(b_hh), _LSTM, True)
    _close((ghc, gz), (hc, z), dtype)
    got = gpu.lstm_layer_vjp(dg, dx, dh0, _array.to_device(c0), dw_ih, _array.to_device(w_hh),
                             _time_major(ghc), gz, _LSTM, True)
    _close(got, expected, dtype)


def test_one_step_one_unit(rng):
    arrays = _inputs(rng, np.float64, 1, 1, 1, 1, 1, 1)
    h, z = cpu.rnn_layer(*arrays, *_ACT["relu"])
    gh, gz = gpu.rnn_layer(*_d(arrays), *_ACT["relu"])
    _close((gh, gz), (h, z), np.float64)
    g = np.ones_like(h)
    expected = cpu.rnn_layer_vjp(g, *arrays[:4], h, z, *_ACT["relu"])
    _close(gpu.rnn_layer_vjp(*_d([g] + arrays[:4]), gh, gz, *_ACT["relu"]), expected, np.float64)


def test_empty_batch_gives_zero_gradients(rng):
    arrays = _inputs(rng, np.float32, 2, 0, 2, 3, 4, 2)
    hc, z = cpu.lstm_layer(*arrays, _LSTM)
    ghc, gz = gpu.lstm_layer(*_d(arrays), _LSTM)
    _close((ghc, gz), (hc, z), np.float32)
    expected = cpu.lstm_layer_vjp(hc, *arrays[:5], hc, z, _LSTM)
    got = gpu.lstm_layer_vjp(ghc, *_d(arrays[:5]), ghc, gz, _LSTM)
    _close(got, expected, np.float32)


@pytest.mark.parametrize("kind", ["GRU", "LSTM_proj"])
def test_packed_bidirectional_module_matches_cpu(kind):
    """A whole module on the device: packing, per-length groups, both directions, projections,
    and the gradients of input and weights."""
    import numbagrad as ng
    from numbagrad import nn
    from numbagrad.nn.utils import rnn as R

    ng.manual_seed(0)
    module = (nn.GRU(2, 3, bidirectional=True) if kind == "GRU"
              else nn.LSTM(2, 3, proj_size=2, bidirectional=True)).double()
    x = np.random.default_rng(0).standard_normal((3, 3, 2))
    results = []
    for device in ("cpu", "cuda"):
        module = module.to(device)
        module.zero_grad()
        xt = ng.tensor(x, device=device, requires_grad=True)
        out, _ = module(R.pack_padded_sequence(xt, [2, 3, 1], enforce_sorted=False))
        padded, _ = R.pad_packed_sequence(out)
        (padded * padded).sum().backward()
        results.append([np.asarray(t.detach().cpu()) for t in
                        (padded, xt.grad, module.weight_hh_l0_reverse.grad)])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
