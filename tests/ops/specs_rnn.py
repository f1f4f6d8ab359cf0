"""Specs of ``numbagrad/ops/rnn.py``: each recurrent layer (RNN, LSTM, GRU), both directions,
every input differentiated, against a step-by-step NumPy reference."""
import numpy as np
from hypothesis import strategies as st

import numbagrad as ng
from numbagrad.ops.rnn import gru_layer, lstm_layer, rnn_relu_layer, rnn_tanh_layer
from tests.ops.spec import Spec


def _layer_shapes(gates: int, n_states: int):
    """``x (L, N, I)``, ``n_states`` states ``(N, H)``, ``w_ih (G*H, I)``, ``w_hh (G*H, H)``
    and two biases ``(G*H,)``; small sizes keep the finite differences quick."""
    def shapes(draw) -> list:
        steps, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        n_in, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        rows = gates * hidden
        return ([(steps, batch, n_in)] + [(batch, hidden)] * n_states
                + [(rows, n_in), (rows, hidden), (rows,), (rows,)])

    return shapes


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _relu(x):
    return np.maximum(x, 0)


def _rnn_ref(act, reverse):
    def ref(x, h, w_ih, w_hh, b_ih, b_hh):
        out = np.empty(x.shape[:2] + (h.shape[1],))
        order = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
        for t in order:
            h = act(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            out[t] = h
        return out

    return ref


def _lstm_ref(reverse):
    def ref(x, h, c, w_ih, w_hh, b_ih, b_hh):
        out = np.empty((2,) + x.shape[:2] + (h.shape[1],))
        order = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
        for t in order:
            i, f, g, o = np.split(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            out[0, t], out[1, t] = h, c
        return out

    return ref


def _gru_ref(reverse):
    def ref(x, h, w_ih, w_hh, b_ih, b_hh):
        out = np.empty(x.shape[:2] + (h.shape[1],))
        order = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
        for t in order:
            p_r, p_z, p_n = np.split(x[t] @ w_ih.T + b_ih, 3, axis=1)
            q_r, q_z, q_n = np.split(h @ w_hh.T + b_hh, 3, axis=1)
            r, z = _sigmoid(p_r + q_r), _sigmoid(p_z + q_z)
            n = np.tanh(p_n + r * q_n)
            h = (1 - z) * n + z * h
            out[t] = h
        return out

    return ref


def _lstm(reverse):
    def fn(*tensors):
        # Both state sequences, so that the check sends a gradient into each.
        return ng.stack(lstm_layer(*tensors, reverse=reverse))

    return fn


# Up to ~10 products per pre-activation through four time steps: float32 rounding.
_F32 = {"rtol": 1e-4, "atol": 1e-5, "low": -1.0, "high": 1.0}

SPECS = [
    Spec("rnn_tanh_layer", rnn_tanh_layer, _rnn_ref(np.tanh, False), 6,
         shapes=_layer_shapes(1, 1), **_F32),
    Spec("rnn_tanh_layer_reverse", lambda *a: rnn_tanh_layer(*a, reverse=True),
         _rnn_ref(np.tanh, True), 6, shapes=_layer_shapes(1, 1), covers=("rnn_tanh_layer",),
         **_F32),
    # A pre-activation within the finite-difference step of relu's kink is a ~1e-6 event.
    Spec("rnn_relu_layer", rnn_relu_layer, _rnn_ref(_relu, False), 6,
         shapes=_layer_shapes(1, 1), **_F32),
    Spec("rnn_relu_layer_reverse", lambda *a: rnn_relu_layer(*a, reverse=True),
         _rnn_ref(_relu, True), 6, shapes=_layer_shapes(1, 1), covers=("rnn_relu_layer",),
         **_F32),
    Spec("lstm_layer", _lstm(False), _lstm_ref(False), 7, shapes=_layer_shapes(4, 2), **_F32),
    Spec("lstm_layer_reverse", _lstm(True), _lstm_ref(True), 7, shapes=_layer_shapes(4, 2),
         covers=("lstm_layer",), **_F32),
    Spec("gru_layer", gru_layer, _gru_ref(False), 6, shapes=_layer_shapes(3, 1), **_F32),
    Spec("gru_layer_reverse", lambda *a: gru_layer(*a, reverse=True), _gru_ref(True), 6,
         shapes=_layer_shapes(3, 1), covers=("gru_layer",), **_F32),
]
