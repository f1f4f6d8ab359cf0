"""Recurrent layers for the CPU: one layer and direction of an Elman RNN, an LSTM or a GRU per
call.

Each layer is a forward kernel and a backward kernel, both looping over time inside ``njit``:

* forward: the input projection of every time step is one GEMM, ``x (L*N, I) @ w_ih^T``; then
  each step adds ``h_{t-1} @ w_hh^T`` (one small GEMM) and the biases, and applies the gate
  formulas. The pre-activations ``z`` are kept for the backward pass.
* backward: backpropagation through time, from the last step to the first, one GEMM per step
  for the gradient that flows into ``h_{t-1}``; then the gradients of ``x``, ``w_ih`` and
  ``w_hh`` are one GEMM each over all time steps at once.

The scalar formulas (activation and its vjp, as written in :mod:`numbagrad.ops.scalar`) are
arguments, compiled into the kernels the first time a combination is used, as :func:`map` does
for elementwise ops: the math exists once.

Layout. Every array reaches a kernel C-contiguous and time-major: ``x (L, N, I)``, states
``(N, H)``, weights ``(G, I)`` and ``(G, H)`` with ``G`` gate rows, biases ``(G,)``. A reverse
direction is the forward kernel run on the time-reversed sequence; its results are flipped back
here, so the kernels only ever walk forward in time.

Matrix products are ``np.dot`` inside ``njit`` (SciPy's BLAS), as in ``linalg``.
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import formulas, jit

_kernels: dict = {}


def _rnn_template(act, act_vjp, digest):
    @jit
    def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, z, h, hw):
        """Elman RNN forward: ``h_t = act(x_t w_ih^T + b_ih + h_{t-1} w_hh^T + b_hh)``.

        Each time step ``t`` owns ``z[t]`` (pre-activations) and ``h[t]`` (states), both
        ``(N, H)``; ``hw`` is an ``(N, H)`` scratch buffer for ``h_{t-1} w_hh^T``.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        np.dot(x.reshape((steps * batch, n_in)), w_ih.T, z.reshape((steps * batch, hidden)))
        for t in range(steps):
            prev = h0 if t == 0 else h[t - 1]
            np.dot(prev, w_hh.T, hw)
            for b in range(batch):
                for j in range(hidden):
                    v = z[t, b, j] + hw[b, j] + b_ih[j] + b_hh[j]
                    z[t, b, j] = v
                    h[t, b, j] = act(v)

    @jit
    def rnn_backward(x, h0, w_ih, w_hh, z, h, gh, dz, hprev, dx, dh, dw_ih, dw_hh, db):
        """Elman RNN backpropagation through time.

        Step ``t`` (last to first) owns ``dz[t]``: the incoming ``gh[t]`` plus the gradient
        carried in ``dh`` from step ``t + 1``, through the activation's vjp; it then overwrites
        ``dh`` with ``dz[t] w_hh``, the gradient of ``h_{t-1}``. ``dh`` arrives zeroed and
        leaves holding the gradient of ``h0``. ``hprev`` is scratch for the states each step
        read. ``db`` is the bias gradient (the same for ``b_ih`` and ``b_hh``), summed in
        float64.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        for t in range(steps - 1, -1, -1):
            for b in range(batch):
                for j in range(hidden):
                    dz[t, b, j] = act_vjp(z[t, b, j], h[t, b, j], gh[t, b, j] + dh[b, j])
            np.dot(dz[t], w_hh, dh)
        _weight_grads(x, h0, h, w_ih, dz, hprev, dx, dw_ih, dw_hh, db)

    return rnn_forward, rnn_backward


def _lstm_template(gate, gate_vjp, act, act_vjp, digest):
    @jit
    def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, z, h, c, hw):
        """LSTM forward, gates in torch's order ``i, f, g, o`` along the ``4H`` rows.

        ``c_t = f c_{t-1} + i g``, ``h_t = o act(c_t)`` with ``i, f, o = gate(z)`` and
        ``g = act(z)``. Each time step ``t`` owns ``z[t] (N, 4H)``, ``h[t]`` and ``c[t]``
        ``(N, H)``; ``hw (N, 4H)`` is scratch for ``h_{t-1} w_hh^T``.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        rows = 4 * hidden
        np.dot(x.reshape((steps * batch, n_in)), w_ih.T, z.reshape((steps * batch, rows)))
        for t in range(steps):
            hp = h0 if t == 0 else h[t - 1]
            cp = c0 if t == 0 else c[t - 1]
            np.dot(hp, w_hh.T, hw)
            for b in range(batch):
                for j in range(rows):
                    z[t, b, j] += hw[b, j] + b_ih[j] + b_hh[j]
                for j in range(hidden):
                    i = gate(z[t, b, j])
                    f = gate(z[t, b, hidden + j])
                    g = act(z[t, b, 2 * hidden + j])
                    o = gate(z[t, b, 3 * hidden + j])
                    cell = f * cp[b, j] + i * g
                    c[t, b, j] = cell
                    h[t, b, j] = o * act(cell)

    @jit
    def lstm_backward(x, h0, c0, w_ih, w_hh, z, h, c, gh, gc, dz, hprev, dx, dh, dc, dw_ih,
                      dw_hh, db):
        """LSTM backpropagation through time.

        Step ``t`` (last to first) owns ``dz[t] (N, 4H)``. The gradients reaching ``h_t`` and
        ``c_t`` are the incoming ``gh[t]``, ``gc[t]`` plus those carried in ``dh``, ``dc`` from
        step ``t + 1``; the step then overwrites ``dc`` with ``f dc_t`` and ``dh`` with
        ``dz[t] w_hh``, the gradients of ``c_{t-1}`` and ``h_{t-1}``. ``dh`` and ``dc`` arrive
        zeroed and leave holding the gradients of ``h0`` and ``c0``. Gates are recomputed from
        ``z`` rather than stored: one ``exp`` each is cheaper than four more arrays.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        for t in range(steps - 1, -1, -1):
            cp = c0 if t == 0 else c[t - 1]
            for b in range(batch):
                for j in range(hidden):
                    zi = z[t, b, j]
                    zf = z[t, b, hidden + j]
                    zg = z[t, b, 2 * hidden + j]
                    zo = z[t, b, 3 * hidden + j]
                    i, f, g, o = gate(zi), gate(zf), act(zg), gate(zo)
                    cell = c[t, b, j]
                    tc = act(cell)
                    g_h = gh[t, b, j] + dh[b, j]
                    g_c = gc[t, b, j] + dc[b, j] + act_vjp(cell, tc, g_h * o)
                    dz[t, b, j] = gate_vjp(zi, i, g_c * g)
                    dz[t, b, hidden + j] = gate_vjp(zf, f, g_c * cp[b, j])
                    dz[t, b, 2 * hidden + j] = act_vjp(zg, g, g_c * i)
                    dz[t, b, 3 * hidden + j] = gate_vjp(zo, o, g_h * tc)
                    dc[b, j] = g_c * f
            np.dot(dz[t], w_hh, dh)
        _weight_grads(x, h0, h, w_ih, dz, hprev, dx, dw_ih, dw_hh, db)

    return lstm_forward, lstm_backward


@register_jitable
def _weight_grads(x, h0, h, w_ih, dz, hprev, dx, dw_ih, dw_hh, db):
    """The gradients that need no recurrence, one GEMM each over all ``L * N`` rows:
    ``dx = dz w_ih``, ``dw_ih = dz^T x``, ``dw_hh = dz^T h_prev``; ``db`` sums ``dz`` over
    rows in float64."""
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    rows = dz.shape[2]
    hprev[0] = h0
    hprev[1:] = h[:-1]
    flat_dz = dz.reshape((steps * batch, rows))
    np.dot(flat_dz, w_ih, dx.reshape((steps * batch, n_in)))
    np.dot(flat_dz.T, x.reshape((steps * batch, n_in)), dw_ih)
    np.dot(flat_dz.T, hprev.reshape((steps * batch, hidden)), dw_hh)
    acc = np.zeros(rows, np.float64)
    for r in range(steps * batch):
        for j in range(rows):
            acc[j] += flat_dz[r, j]
    for j in range(rows):
        db[j] = acc[j]


def _get(kind: str, fns: tuple):
    """The forward and backward kernels of ``kind`` inlining the scalar formulas ``fns``."""
    key = (kind,) + fns
    kernels = _kernels.get(key)
    if kernels is None:
        template = _rnn_template if kind == "rnn" else _lstm_template
        kernels = _kernels[key] = template(*fns, formulas(*fns))
    return kernels


def _c(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x)


def _in_time(x: np.ndarray, reverse: bool) -> np.ndarray:
    """``x`` as a C-contiguous array in processing order (time flipped for ``reverse``)."""
    return _c(x[::-1] if reverse else x)


def rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, act, act_vjp, reverse: bool = False):
    """One layer and direction of an Elman RNN.

    Parameters
    ----------
    x : numpy.ndarray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0 : numpy.ndarray
        ``(N, H)`` initial state.
    w_ih, w_hh, b_ih, b_hh : numpy.ndarray
        ``(H, I)``, ``(H, H)``, ``(H,)``, ``(H,)``.
    act, act_vjp : callable
        Scalar formulas ``act(x)`` and ``act_vjp(x, out, g)`` (tanh or relu).
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (h, z) : tuple of numpy.ndarray
        ``h (L, N, H)`` the states in input order; ``z (L, N, H)`` the pre-activations in
        processing order, for :func:`rnn_layer_vjp`.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    z = np.zeros((steps, batch, hidden), x.dtype)
    h = np.zeros((steps, batch, hidden), x.dtype)
    if batch:
        forward, _ = _get("rnn", (act, act_vjp))
        forward(_in_time(x, reverse), _c(h0), _c(w_ih), _c(w_hh), _c(b_ih), _c(b_hh), z, h,
                np.empty((batch, hidden), x.dtype))
    return (h[::-1] if reverse else h), z


def rnn_layer_vjp(g, x, h0, w_ih, w_hh, h, z, act, act_vjp, reverse: bool = False):
    """Gradients of :func:`rnn_layer` by backpropagation through time.

    Parameters
    ----------
    g : numpy.ndarray
        ``(L, N, H)`` gradient of the output states, in input order.
    x, h0, w_ih, w_hh : numpy.ndarray
        The forward's inputs.
    h, z : numpy.ndarray
        The forward's results, as it returned them.
    act, act_vjp, reverse :
        As in the forward.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx (L, N, I), dh0 (N, H), dw_ih, dw_hh, db (H,))``; ``db`` is the gradient of both
        biases.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    dx = np.zeros((steps, batch, n_in), dtype)
    dh = np.zeros((batch, hidden), dtype)
    dw_ih = np.zeros(w_ih.shape, dtype)
    dw_hh = np.zeros(w_hh.shape, dtype)
    db = np.zeros(hidden, dtype)
    if batch:
        _, backward = _get("rnn", (act, act_vjp))
        backward(_in_time(x, reverse), _c(h0), _c(w_ih), _c(w_hh), z, _in_time(h, reverse),
                 _in_time(g, reverse), np.empty_like(z), np.empty_like(h), dx, dh, dw_ih,
                 dw_hh, db)
    return (dx[::-1] if reverse else dx), dh, dw_ih, dw_hh, db


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, formulas, reverse: bool = False):
    """One layer and direction of an LSTM (gates ``i, f, g, o``, no projection).

    Parameters
    ----------
    x : numpy.ndarray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0, c0 : numpy.ndarray
        ``(N, H)`` initial hidden and cell states.
    w_ih, w_hh, b_ih, b_hh : numpy.ndarray
        ``(4H, I)``, ``(4H, H)``, ``(4H,)``, ``(4H,)``.
    formulas : tuple of callable
        ``(gate, gate_vjp, act, act_vjp)``: sigmoid and tanh with their vjps.
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (hc, z) : tuple of numpy.ndarray
        ``hc (2, L, N, H)``: the hidden states ``hc[0]`` and cell states ``hc[1]`` in input
        order; ``z (L, N, 4H)`` the gate pre-activations in processing order.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    z = np.zeros((steps, batch, 4 * hidden), x.dtype)
    hc = np.zeros((2, steps, batch, hidden), x.dtype)
    if batch:
        forward, _ = _get("lstm", tuple(formulas))
        forward(_in_time(x, reverse), _c(h0), _c(c0), _c(w_ih), _c(w_hh), _c(b_ih), _c(b_hh),
                z, hc[0], hc[1], np.empty((batch, 4 * hidden), x.dtype))
    return (hc[:, ::-1] if reverse else hc), z


def lstm_layer_vjp(g, x, h0, c0, w_ih, w_hh, hc, z, formulas, reverse: bool = False):
    """Gradients of :func:`lstm_layer` by backpropagation through time.

    Parameters
    ----------
    g : numpy.ndarray
        ``(2, L, N, H)`` gradient of the hidden and cell state sequences, in input order.
    x, h0, c0, w_ih, w_hh : numpy.ndarray
        The forward's inputs.
    hc, z : numpy.ndarray
        The forward's results, as it returned them.
    formulas, reverse :
        As in the forward.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx (L, N, I), dh0 (N, H), dc0 (N, H), dw_ih, dw_hh, db (4H,))``; ``db`` is the
        gradient of both biases.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    dx = np.zeros((steps, batch, n_in), dtype)
    dh = np.zeros((batch, hidden), dtype)
    dc = np.zeros((batch, hidden), dtype)
    dw_ih = np.zeros(w_ih.shape, dtype)
    dw_hh = np.zeros(w_hh.shape, dtype)
    db = np.zeros(4 * hidden, dtype)
    if batch:
        _, backward = _get("lstm", tuple(formulas))
        backward(_in_time(x, reverse), _c(h0), _c(c0), _c(w_ih), _c(w_hh), z,
                 _in_time(hc[0], reverse), _in_time(hc[1], reverse), _in_time(g[0], reverse),
                 _in_time(g[1], reverse), np.empty_like(z),
                 np.empty((steps, batch, hidden), dtype), dx, dh, dc, dw_ih, dw_hh, db)
    return (dx[::-1] if reverse else dx), dh, dc, dw_ih, dw_hh, db


def _gru_template(gate, gate_vjp, act, act_vjp, digest):
    @jit
    def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, z, h, hw):
        """GRU forward, gates in torch's order ``r, u, n`` (reset, update, new) along the
        ``3H`` rows: ``r, u = gate(p + q)``, ``n = act(p_n + r q_n)``,
        ``h_t = (1 - u) n + u h_{t-1}``, where ``p = x_t w_ih^T + b_ih`` and
        ``q = h_{t-1} w_hh^T + b_hh``.

        Each time step ``t`` owns ``z[t] (N, 4H)``: the pre-activations of ``r``, ``u``, ``n``
        and then ``q_n``, kept for the backward pass; and ``h[t] (N, H)``. ``hw (N, 3H)`` is
        scratch for ``h_{t-1} w_hh^T``.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        rows = 3 * hidden
        p = np.empty((steps * batch, rows), x.dtype)
        np.dot(x.reshape((steps * batch, n_in)), w_ih.T, p)
        for t in range(steps):
            hp = h0 if t == 0 else h[t - 1]
            np.dot(hp, w_hh.T, hw)
            for b in range(batch):
                row = t * batch + b
                for j in range(hidden):
                    zr = p[row, j] + b_ih[j] + (hw[b, j] + b_hh[j])
                    zu = p[row, hidden + j] + b_ih[hidden + j] + (hw[b, hidden + j]
                                                                  + b_hh[hidden + j])
                    qn = hw[b, 2 * hidden + j] + b_hh[2 * hidden + j]
                    r = gate(zr)
                    u = gate(zu)
                    zn = p[row, 2 * hidden + j] + b_ih[2 * hidden + j] + r * qn
                    n = act(zn)
                    z[t, b, j] = zr
                    z[t, b, hidden + j] = zu
                    z[t, b, 2 * hidden + j] = zn
                    z[t, b, 3 * hidden + j] = qn
                    h[t, b, j] = (1.0 - u) * n + u * hp[b, j]

    @jit
    def gru_backward(x, h0, w_ih, w_hh, z, h, gh, dzi, dzh, hprev, dx, dh, dw_ih, dw_hh,
                     db_ih, db_hh):
        """GRU backpropagation through time.

        Step ``t`` (last to first) owns ``dzi[t]`` and ``dzh[t]`` ``(N, 3H)``, the gradients of
        ``p`` and ``q``: they agree on the ``r`` and ``u`` rows, and on the ``n`` rows differ by
        the factor ``r``. The gradient reaching ``h_t`` is ``gh[t]`` plus ``dh`` carried from
        step ``t + 1``; the step overwrites ``dh`` with ``u dh_t + dzh[t] w_hh``, the gradient of
        ``h_{t-1}``. ``dh`` arrives zeroed and leaves holding the gradient of ``h0``.
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        steps, batch, n_in = x.shape
        hidden = h0.shape[1]
        direct = np.empty((batch, hidden), x.dtype)
        for t in range(steps - 1, -1, -1):
            hp = h0 if t == 0 else h[t - 1]
            for b in range(batch):
                for j in range(hidden):
                    zr = z[t, b, j]
                    zu = z[t, b, hidden + j]
                    zn = z[t, b, 2 * hidden + j]
                    qn = z[t, b, 3 * hidden + j]
                    r, u, n = gate(zr), gate(zu), act(zn)
                    g_h = gh[t, b, j] + dh[b, j]
                    d_n = act_vjp(zn, n, g_h * (1.0 - u))
                    d_r = gate_vjp(zr, r, d_n * qn)
                    d_u = gate_vjp(zu, u, g_h * (hp[b, j] - n))
                    dzi[t, b, j] = d_r
                    dzi[t, b, hidden + j] = d_u
                    dzi[t, b, 2 * hidden + j] = d_n
                    dzh[t, b, j] = d_r
                    dzh[t, b, hidden + j] = d_u
                    dzh[t, b, 2 * hidden + j] = d_n * r
                    direct[b, j] = g_h * u
            np.dot(dzh[t], w_hh, dh)
            for b in range(batch):
                for j in range(hidden):
                    dh[b, j] += direct[b, j]
        hprev[0] = h0
        hprev[1:] = h[:-1]
        rows = 3 * hidden
        flat_i = dzi.reshape((steps * batch, rows))
        flat_h = dzh.reshape((steps * batch, rows))
        np.dot(flat_i, w_ih, dx.reshape((steps * batch, n_in)))
        np.dot(flat_i.T, x.reshape((steps * batch, n_in)), dw_ih)
        np.dot(flat_h.T, hprev.reshape((steps * batch, hidden)), dw_hh)
        acc_i = np.zeros(rows, np.float64)
        acc_h = np.zeros(rows, np.float64)
        for r_ in range(steps * batch):
            for j in range(rows):
                acc_i[j] += flat_i[r_, j]
                acc_h[j] += flat_h[r_, j]
        for j in range(rows):
            db_ih[j] = acc_i[j]
            db_hh[j] = acc_h[j]

    return gru_forward, gru_backward


def _get_gru(fns: tuple):
    key = ("gru",) + fns
    kernels = _kernels.get(key)
    if kernels is None:
        kernels = _kernels[key] = _gru_template(*fns, formulas(*fns))
    return kernels


def gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, formulas, reverse: bool = False):
    """One layer and direction of torch's GRU (gates ``r, z, n``).

    Parameters
    ----------
    x : numpy.ndarray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0 : numpy.ndarray
        ``(N, H)`` initial state.
    w_ih, w_hh, b_ih, b_hh : numpy.ndarray
        ``(3H, I)``, ``(3H, H)``, ``(3H,)``, ``(3H,)``.
    formulas : tuple of callable
        ``(gate, gate_vjp, act, act_vjp)``: sigmoid and tanh with their vjps.
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (h, z) : tuple of numpy.ndarray
        ``h (L, N, H)`` the states in input order; ``z (L, N, 4H)`` the pre-activations of
        ``r``, ``z``, ``n`` and the hidden part of ``n``'s, in processing order.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    z = np.zeros((steps, batch, 4 * hidden), x.dtype)
    h = np.zeros((steps, batch, hidden), x.dtype)
    if batch:
        forward, _ = _get_gru(tuple(formulas))
        forward(_in_time(x, reverse), _c(h0), _c(w_ih), _c(w_hh), _c(b_ih), _c(b_hh), z, h,
                np.empty((batch, 3 * hidden), x.dtype))
    return (h[::-1] if reverse else h), z


def gru_layer_vjp(g, x, h0, w_ih, w_hh, h, z, formulas, reverse: bool = False):
    """Gradients of :func:`gru_layer` by backpropagation through time.

    Parameters
    ----------
    g : numpy.ndarray
        ``(L, N, H)`` gradient of the output states, in input order.
    x, h0, w_ih, w_hh : numpy.ndarray
        The forward's inputs.
    h, z : numpy.ndarray
        The forward's results, as it returned them.
    formulas, reverse :
        As in the forward.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx (L, N, I), dh0 (N, H), dw_ih, dw_hh, db_ih (3H,), db_hh (3H,))``.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    dx = np.zeros((steps, batch, n_in), dtype)
    dh = np.zeros((batch, hidden), dtype)
    dw_ih = np.zeros(w_ih.shape, dtype)
    dw_hh = np.zeros(w_hh.shape, dtype)
    db_ih = np.zeros(3 * hidden, dtype)
    db_hh = np.zeros(3 * hidden, dtype)
    if batch:
        _, backward = _get_gru(tuple(formulas))
        backward(_in_time(x, reverse), _c(h0), _c(w_ih), _c(w_hh), z, _in_time(h, reverse),
                 _in_time(g, reverse), np.empty((steps, batch, 3 * hidden), dtype),
                 np.empty((steps, batch, 3 * hidden), dtype), np.empty_like(h), dx, dh, dw_ih,
                 dw_hh, db_ih, db_hh)
    return (dx[::-1] if reverse else dx), dh, dw_ih, dw_hh, db_ih, db_hh
