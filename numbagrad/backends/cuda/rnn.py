"""Recurrent layers for the GPU: one layer and direction of an Elman RNN, an LSTM or a GRU per
call.

The twin of ``backends/cpu/rnn.py``, with the same functions, arguments and results. The time
loop runs on the host, because step ``t`` needs the whole of ``h_{t-1}``:

* forward: the input projection of every time step is one matrix product before the loop,
  ``x (L*N, I) @ w_ih^T``. Each step then launches one product ``h_{t-1} @ w_hh^T`` and one
  fused cell kernel (biases, gate formulas, state update), which keeps the pre-activations
  ``z`` for the backward pass.
* backward: backpropagation through time, last step to first, each step one fused cell kernel
  (the formulas' vjps) and one product for the gradient flowing into ``h_{t-1}``; then the
  gradients of ``x``, ``w_ih`` and ``w_hh`` are one product each over all steps at once, and
  the bias gradient one column sum.

The scalar formulas (activation and its vjp, from :mod:`numbagrad.ops.scalar`) are arguments,
compiled into the cell kernels the first time a combination is used, as :func:`map` does: the
math exists once.

Layout and time order. Inputs are made C-contiguous, time-major: ``x (L, N, I)``, states
``(N, H)``, weights ``(G, I)`` and ``(G, H)`` with ``G`` gate rows, biases ``(G,)``. Unlike
the CPU, a reverse direction is never flipped in memory: processing step ``t`` reads and
writes input time ``L - 1 - t`` directly. The states, their gradients and the internal ``dz``
stay in input order; only ``z`` is kept in processing order, as the CPU twin returns it.

Matrix products are :func:`numbagrad.backends.cuda.linalg.matmul`, as ``np.dot`` is on the CPU.
"""
from __future__ import annotations

from numba import cuda

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import device_function, digest, kernel, launch, once
from numbagrad.backends.cuda.linalg import matmul
from numbagrad.backends.cuda.memory import assign, contiguous, zeros
from numbagrad.backends.cuda.shape import basic_index, reshape


def _rnn_template(act, act_vjp, key):
    def rnn_cell(p, hw, b_ih, b_hh, z, h):
        """One Elman step: ``z = p + hw + b_ih + b_hh``, ``h = act(z)``, all ``(N, H)``.

        Thread ``e`` (grid-stride) owns unit ``(b, j) = divmod(e, H)``; consecutive threads
        touch consecutive addresses. ``z`` may alias ``p``: each element is read before the
        same thread writes it.
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = h.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            v = p[b, j] + hw[b, j] + b_ih[j] + b_hh[j]
            z[b, j] = v
            h[b, j] = act(v)
            e += cuda.gridsize(1)

    def rnn_cell_vjp(z, h, g, dh, dz):
        """One Elman step backwards: ``dz = act_vjp(z, h, g + dh)``, all ``(N, H)``.

        ``g`` is the incoming gradient of ``h_t``, ``dh`` the one carried from step ``t + 1``.
        Thread ``e`` (grid-stride) owns unit ``(b, j) = divmod(e, H)``.
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = h.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            dz[b, j] = act_vjp(z[b, j], h[b, j], g[b, j] + dh[b, j])
            e += cuda.gridsize(1)

    return kernel(rnn_cell), kernel(rnn_cell_vjp)


def _lstm_template(gate, gate_vjp, act, act_vjp, key):
    def lstm_cell(p, hw, b_ih, b_hh, cp, z, h, c):
        """One LSTM step, gates in torch's order ``i, f, g, o`` along the ``4H`` columns.

        ``z = p + (hw + b_ih + b_hh)`` (the CPU twin's order of additions), then
        ``c = f cp + i g`` and ``h = o act(c)`` with ``i, f, o = gate(z)``, ``g = act(z)``.
        Thread ``e`` (grid-stride) owns unit ``(b, j) = divmod(e, H)``: its four gate columns
        ``j, H + j, 2H + j, 3H + j`` of ``z (N, 4H)`` and ``h[b, j]``, ``c[b, j]``. ``z`` may
        alias ``p`` (read before written, by the same thread).
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = h.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            for q in range(4):
                r = q * hidden + j
                z[b, r] = p[b, r] + (hw[b, r] + b_ih[r] + b_hh[r])
            i = gate(z[b, j])
            f = gate(z[b, hidden + j])
            g = act(z[b, 2 * hidden + j])
            o = gate(z[b, 3 * hidden + j])
            cell = f * cp[b, j] + i * g
            c[b, j] = cell
            h[b, j] = o * act(cell)
            e += cuda.gridsize(1)

    def lstm_cell_vjp(z, c, cp, gh, gc, dh, dc, dz):
        """One LSTM step backwards; thread ``e`` (grid-stride) owns unit ``(b, j)``.

        The gradients reaching ``h_t`` and ``c_t`` are the incoming ``gh``, ``gc`` plus ``dh``,
        ``dc`` carried from step ``t + 1``; the thread writes the unit's four columns of
        ``dz (N, 4H)`` and overwrites ``dc[b, j]`` with ``f dc_t``, the gradient of ``c_{t-1}``
        (it alone reads that element). Gates are recomputed from ``z`` rather than stored: one
        ``exp`` each is cheaper than four more arrays, as on the CPU.
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = c.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            zi = z[b, j]
            zf = z[b, hidden + j]
            zg = z[b, 2 * hidden + j]
            zo = z[b, 3 * hidden + j]
            i, f, g, o = gate(zi), gate(zf), act(zg), gate(zo)
            cell = c[b, j]
            tc = act(cell)
            g_h = gh[b, j] + dh[b, j]
            g_c = gc[b, j] + dc[b, j] + act_vjp(cell, tc, g_h * o)
            dz[b, j] = gate_vjp(zi, i, g_c * g)
            dz[b, hidden + j] = gate_vjp(zf, f, g_c * cp[b, j])
            dz[b, 2 * hidden + j] = act_vjp(zg, g, g_c * i)
            dz[b, 3 * hidden + j] = gate_vjp(zo, o, g_h * tc)
            dc[b, j] = g_c * f
            e += cuda.gridsize(1)

    return kernel(lstm_cell), kernel(lstm_cell_vjp)


def _column_sum(x, out):
    """``out[j] = sum_r x[r, j]`` for ``x (R, G)``, accumulated in float64 as the CPU twin does.

    Thread ``j`` (grid-stride) owns column ``j`` and adds its rows in order: neighbouring
    threads read neighbouring addresses of each row (coalesced), and the sum is deterministic
    and equal to the CPU's, which adds in the same order. No atomics are needed.
    """
    rows, cols = x.shape
    j = cuda.grid(1)
    while j < cols:
        acc = 0.0
        for r in range(rows):
            acc += x[r, j]
        out[j] = acc
        j += cuda.gridsize(1)


_column_sum_kernel = kernel(_column_sum)


def _cells(kind: str, fns: tuple):
    """The forward and backward cell kernels of ``kind`` inlining the scalar formulas ``fns``."""
    template = _rnn_template if kind == "rnn" else _lstm_template
    return once((template,) + fns,
                lambda: template(*(device_function(f) for f in fns), digest(*fns)))


def _rows(x):
    """A C-contiguous ``(L, N, K)`` array seen as ``(L * N, K)``."""
    return _array.reshape_contiguous(x, (x.shape[0] * x.shape[1], x.shape[2]))


def _time(t: int, steps: int, reverse: bool) -> int:
    """The input time index of processing step ``t``."""
    return steps - 1 - t if reverse else t


def _step(x, t: int):
    """``x[t]`` for a C-contiguous ``x`` (a view)."""
    return basic_index(x, (t,))


def _projection(x, w_ih, reverse: bool):
    """``x w_ih^T`` for every time step, ``(L, N, G)`` in input order, and the buffer for the
    pre-activations ``z`` in processing order: the projection itself when the two orders agree,
    since each cell thread reads its element before writing it."""
    steps, batch, _ = x.shape
    p = reshape(matmul(_rows(x), w_ih, transpose_b=True), (steps, batch, w_ih.shape[0]))
    return p, (_array.empty(p.shape, p.dtype) if reverse else p)


def _previous_states(h, h0, reverse: bool):
    """``(L, N, H)``: at each input time, the state that step read (``h0`` for the first step)."""
    steps = h.shape[0]
    hprev = _array.empty(h.shape, h.dtype)
    first, rest, src = (steps - 1, slice(0, steps - 1), slice(1, steps)) if reverse else \
        (0, slice(1, steps), slice(0, steps - 1))
    assign(_step(hprev, first), h0)
    if steps > 1:
        assign(basic_index(hprev, (rest,)), basic_index(h, (src,)))
    return hprev


def _weight_grads(x, h0, h, w_ih, dz, reverse: bool) -> tuple:
    """The gradients that need no recurrence, one product each over all ``L * N`` rows (in
    input order): ``dx = dz w_ih``, ``dw_ih = dz^T x``, ``dw_hh = dz^T h_prev``, and ``db``
    the column sums of ``dz``."""
    flat_dz = _rows(dz)
    dx = reshape(matmul(flat_dz, w_ih), x.shape)
    dw_ih = matmul(flat_dz, _rows(x), transpose_a=True)
    dw_hh = matmul(flat_dz, _rows(_previous_states(h, h0, reverse)), transpose_a=True)
    db = _array.empty((dz.shape[2],), dz.dtype)
    launch(_column_sum_kernel, db.shape[0], flat_dz, db)
    return dx, dw_ih, dw_hh, db


def rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, act, act_vjp, reverse: bool = False):
    """One layer and direction of an Elman RNN (device arrays; see the CPU twin).

    Parameters
    ----------
    x : DeviceNDArray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0 : DeviceNDArray
        ``(N, H)`` initial state.
    w_ih, w_hh, b_ih, b_hh : DeviceNDArray
        ``(H, I)``, ``(H, H)``, ``(H,)``, ``(H,)``.
    act, act_vjp : callable
        Scalar formulas ``act(x)`` and ``act_vjp(x, out, g)`` (tanh or relu).
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (h, z) : tuple of DeviceNDArray
        ``h (L, N, H)`` the states in input order; ``z (L, N, H)`` the pre-activations in
        processing order, for :func:`rnn_layer_vjp`.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    if not (steps and batch):
        return zeros((steps, batch, hidden), x.dtype), zeros((steps, batch, hidden), x.dtype)
    x, h0, w_ih, w_hh, b_ih, b_hh = (contiguous(a) for a in (x, h0, w_ih, w_hh, b_ih, b_hh))
    cell, _ = _cells("rnn", (act, act_vjp))
    p, z = _projection(x, w_ih, reverse)
    h = _array.empty((steps, batch, hidden), x.dtype)
    prev = h0
    for t in range(steps):
        ti = _time(t, steps, reverse)
        hw = matmul(prev, w_hh, transpose_b=True)
        h_t = _step(h, ti)
        launch(cell, batch * hidden, _step(p, ti), hw, b_ih, b_hh, _step(z, t), h_t)
        prev = h_t
    return h, z


def rnn_layer_vjp(g, x, h0, w_ih, w_hh, h, z, act, act_vjp, reverse: bool = False):
    """Gradients of :func:`rnn_layer` by backpropagation through time.

    Parameters
    ----------
    g : DeviceNDArray
        ``(L, N, H)`` gradient of the output states, in input order.
    x, h0, w_ih, w_hh : DeviceNDArray
        The forward's inputs.
    h, z : DeviceNDArray
        The forward's results, as it returned them.
    act, act_vjp, reverse :
        As in the forward.

    Returns
    -------
    tuple of DeviceNDArray
        ``(dx (L, N, I), dh0 (N, H), dw_ih, dw_hh, db (H,))``; ``db`` is the gradient of both
        biases.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    if not (steps and batch):
        return (zeros((steps, batch, n_in), dtype), zeros((batch, hidden), dtype),
                zeros(w_ih.shape, dtype), zeros(w_hh.shape, dtype), zeros((hidden,), dtype))
    g, x, h0, w_ih, w_hh, h, z = (contiguous(a) for a in (g, x, h0, w_ih, w_hh, h, z))
    _, cell_vjp = _cells("rnn", (act, act_vjp))
    dz = _array.empty((steps, batch, hidden), dtype)  # in input order, like x
    dh = zeros((batch, hidden), dtype)
    for t in range(steps - 1, -1, -1):
        ti = _time(t, steps, reverse)
        dz_t = _step(dz, ti)
        launch(cell_vjp, batch * hidden, _step(z, t), _step(h, ti), _step(g, ti), dh, dz_t)
        dh = matmul(dz_t, w_hh)
    dx, dw_ih, dw_hh, db = _weight_grads(x, h0, h, w_ih, dz, reverse)
    return dx, dh, dw_ih, dw_hh, db


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, formulas, reverse: bool = False):
    """One layer and direction of an LSTM (gates ``i, f, g, o``, no projection).

    Parameters
    ----------
    x : DeviceNDArray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0, c0 : DeviceNDArray
        ``(N, H)`` initial hidden and cell states.
    w_ih, w_hh, b_ih, b_hh : DeviceNDArray
        ``(4H, I)``, ``(4H, H)``, ``(4H,)``, ``(4H,)``.
    formulas : tuple of callable
        ``(gate, gate_vjp, act, act_vjp)``: sigmoid and tanh with their vjps.
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (hc, z) : tuple of DeviceNDArray
        ``hc (2, L, N, H)``: the hidden states ``hc[0]`` and cell states ``hc[1]`` in input
        order; ``z (L, N, 4H)`` the gate pre-activations in processing order.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    if not (steps and batch):
        return (zeros((2, steps, batch, hidden), x.dtype),
                zeros((steps, batch, 4 * hidden), x.dtype))
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = (contiguous(a)
                                         for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh))
    cell, _ = _cells("lstm", tuple(formulas))
    p, z = _projection(x, w_ih, reverse)
    hc = _array.empty((2, steps, batch, hidden), x.dtype)
    h, c = _step(hc, 0), _step(hc, 1)
    hp, cp = h0, c0
    for t in range(steps):
        ti = _time(t, steps, reverse)
        hw = matmul(hp, w_hh, transpose_b=True)
        h_t, c_t = _step(h, ti), _step(c, ti)
        launch(cell, batch * hidden, _step(p, ti), hw, b_ih, b_hh, cp, _step(z, t), h_t, c_t)
        hp, cp = h_t, c_t
    return hc, z


def lstm_layer_vjp(g, x, h0, c0, w_ih, w_hh, hc, z, formulas, reverse: bool = False):
    """Gradients of :func:`lstm_layer` by backpropagation through time.

    Parameters
    ----------
    g : DeviceNDArray
        ``(2, L, N, H)`` gradient of the hidden and cell state sequences, in input order.
    x, h0, c0, w_ih, w_hh : DeviceNDArray
        The forward's inputs.
    hc, z : DeviceNDArray
        The forward's results, as it returned them.
    formulas, reverse :
        As in the forward.

    Returns
    -------
    tuple of DeviceNDArray
        ``(dx (L, N, I), dh0 (N, H), dc0 (N, H), dw_ih, dw_hh, db (4H,))``; ``db`` is the
        gradient of both biases.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    if not (steps and batch):
        return (zeros((steps, batch, n_in), dtype), zeros((batch, hidden), dtype),
                zeros((batch, hidden), dtype), zeros(w_ih.shape, dtype),
                zeros(w_hh.shape, dtype), zeros((4 * hidden,), dtype))
    g, x, h0, c0, w_ih, w_hh, hc, z = (contiguous(a)
                                       for a in (g, x, h0, c0, w_ih, w_hh, hc, z))
    _, cell_vjp = _cells("lstm", tuple(formulas))
    h, c, gh, gc = _step(hc, 0), _step(hc, 1), _step(g, 0), _step(g, 1)
    dz = _array.empty((steps, batch, 4 * hidden), dtype)  # in input order, like x
    dh = zeros((batch, hidden), dtype)
    dc = zeros((batch, hidden), dtype)  # updated in place by each step
    for t in range(steps - 1, -1, -1):
        ti = _time(t, steps, reverse)
        cp = c0 if t == 0 else _step(c, _time(t - 1, steps, reverse))
        dz_t = _step(dz, ti)
        launch(cell_vjp, batch * hidden, _step(z, t), _step(c, ti), cp, _step(gh, ti),
               _step(gc, ti), dh, dc, dz_t)
        dh = matmul(dz_t, w_hh)
    dx, dw_ih, dw_hh, db = _weight_grads(x, h0, h, w_ih, dz, reverse)
    return dx, dh, dc, dw_ih, dw_hh, db


def _gru_template(gate, gate_vjp, act, act_vjp, key):
    def gru_cell(p, hw, b_ih, b_hh, hp, z, h):
        """One GRU step, gates in torch's order ``r, u, n`` along the ``3H`` columns.

        ``r, u = gate(p + b_ih + (hw + b_hh))``, ``n = act(p_n + b_ih + r q_n)`` with
        ``q_n = hw_n + b_hh``, and ``h = (1 - u) n + u hp`` (the CPU twin's order of
        additions). Thread ``e`` (grid-stride) owns unit ``(b, j) = divmod(e, H)``: its four
        columns ``j, H + j, 2H + j, 3H + j`` of ``z (N, 4H)`` (the pre-activations of ``r``,
        ``u``, ``n`` and ``q_n``) and ``h[b, j]``.
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = h.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            zr = p[b, j] + b_ih[j] + (hw[b, j] + b_hh[j])
            zu = p[b, hidden + j] + b_ih[hidden + j] + (hw[b, hidden + j] + b_hh[hidden + j])
            qn = hw[b, 2 * hidden + j] + b_hh[2 * hidden + j]
            r = gate(zr)
            u = gate(zu)
            zn = p[b, 2 * hidden + j] + b_ih[2 * hidden + j] + r * qn
            n = act(zn)
            z[b, j] = zr
            z[b, hidden + j] = zu
            z[b, 2 * hidden + j] = zn
            z[b, 3 * hidden + j] = qn
            h[b, j] = (1.0 - u) * n + u * hp[b, j]
            e += cuda.gridsize(1)

    def gru_cell_vjp(z, hp, gh, dh, dzi, dzh, direct):
        """One GRU step backwards; thread ``e`` (grid-stride) owns unit ``(b, j)``.

        The gradient reaching ``h_t`` is ``gh + dh``; the thread writes the unit's three
        columns of ``dzi`` and ``dzh`` ``(N, 3H)`` (the gradients of the input and hidden
        projections) and ``direct[b, j] = u dh_t``, the part of ``h_{t-1}``'s gradient that
        skips the product with ``w_hh``.
        """
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        batch, hidden = hp.shape
        e = cuda.grid(1)
        while e < batch * hidden:
            b = e // hidden
            j = e - b * hidden
            zr = z[b, j]
            zu = z[b, hidden + j]
            zn = z[b, 2 * hidden + j]
            qn = z[b, 3 * hidden + j]
            r, u, n = gate(zr), gate(zu), act(zn)
            g_h = gh[b, j] + dh[b, j]
            d_n = act_vjp(zn, n, g_h * (1.0 - u))
            d_r = gate_vjp(zr, r, d_n * qn)
            d_u = gate_vjp(zu, u, g_h * (hp[b, j] - n))
            dzi[b, j] = d_r
            dzi[b, hidden + j] = d_u
            dzi[b, 2 * hidden + j] = d_n
            dzh[b, j] = d_r
            dzh[b, hidden + j] = d_u
            dzh[b, 2 * hidden + j] = d_n * r
            direct[b, j] = g_h * u
            e += cuda.gridsize(1)

    return kernel(gru_cell), kernel(gru_cell_vjp)


def _add_into(out, x):
    """``out += x`` for two ``(N, H)`` arrays; thread ``e`` (grid-stride) owns one element."""
    batch, hidden = out.shape
    e = cuda.grid(1)
    while e < batch * hidden:
        b = e // hidden
        j = e - b * hidden
        out[b, j] += x[b, j]
        e += cuda.gridsize(1)


_add_into_kernel = kernel(_add_into)


def _gru_cells(fns: tuple):
    return once((_gru_template,) + fns,
                lambda: _gru_template(*(device_function(f) for f in fns), digest(*fns)))


def gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, formulas, reverse: bool = False):
    """One layer and direction of torch's GRU (device arrays; see the CPU twin).

    Parameters
    ----------
    x : DeviceNDArray
        ``(L, N, I)`` input sequence, float32 or float64 (all arrays one dtype).
    h0 : DeviceNDArray
        ``(N, H)`` initial state.
    w_ih, w_hh, b_ih, b_hh : DeviceNDArray
        ``(3H, I)``, ``(3H, H)``, ``(3H,)``, ``(3H,)``.
    formulas : tuple of callable
        ``(gate, gate_vjp, act, act_vjp)``: sigmoid and tanh with their vjps.
    reverse : bool
        Run from the last time step to the first.

    Returns
    -------
    (h, z) : tuple of DeviceNDArray
        ``h (L, N, H)`` the states in input order; ``z (L, N, 4H)`` the pre-activations in
        processing order.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    if not (steps and batch):
        return (zeros((steps, batch, hidden), x.dtype),
                zeros((steps, batch, 4 * hidden), x.dtype))
    x, h0, w_ih, w_hh, b_ih, b_hh = (contiguous(a) for a in (x, h0, w_ih, w_hh, b_ih, b_hh))
    cell, _ = _gru_cells(tuple(formulas))
    p = reshape(matmul(_rows(x), w_ih, transpose_b=True), (steps, batch, w_ih.shape[0]))
    z = _array.empty((steps, batch, 4 * hidden), x.dtype)
    h = _array.empty((steps, batch, hidden), x.dtype)
    prev = h0
    for t in range(steps):
        ti = _time(t, steps, reverse)
        hw = matmul(prev, w_hh, transpose_b=True)
        h_t = _step(h, ti)
        launch(cell, batch * hidden, _step(p, ti), hw, b_ih, b_hh, prev, _step(z, t), h_t)
        prev = h_t
    return h, z


def gru_layer_vjp(g, x, h0, w_ih, w_hh, h, z, formulas, reverse: bool = False):
    """Gradients of :func:`gru_layer` by backpropagation through time.

    Parameters
    ----------
    g : DeviceNDArray
        ``(L, N, H)`` gradient of the output states, in input order.
    x, h0, w_ih, w_hh : DeviceNDArray
        The forward's inputs.
    h, z : DeviceNDArray
        The forward's results, as it returned them.
    formulas, reverse :
        As in the forward.

    Returns
    -------
    tuple of DeviceNDArray
        ``(dx (L, N, I), dh0 (N, H), dw_ih, dw_hh, db_ih (3H,), db_hh (3H,))``.
    """
    steps, batch, n_in = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    if not (steps and batch):
        return (zeros((steps, batch, n_in), dtype), zeros((batch, hidden), dtype),
                zeros(w_ih.shape, dtype), zeros(w_hh.shape, dtype), zeros((3 * hidden,), dtype),
                zeros((3 * hidden,), dtype))
    g, x, h0, w_ih, w_hh, h, z = (contiguous(a) for a in (g, x, h0, w_ih, w_hh, h, z))
    _, cell_vjp = _gru_cells(tuple(formulas))
    dzi = _array.empty((steps, batch, 3 * hidden), dtype)  # in input order, like x
    dzh = _array.empty((steps, batch, 3 * hidden), dtype)
    direct = _array.empty((batch, hidden), dtype)
    dh = zeros((batch, hidden), dtype)
    for t in range(steps - 1, -1, -1):
        ti = _time(t, steps, reverse)
        hp = h0 if t == 0 else _step(h, _time(t - 1, steps, reverse))
        dzh_t = _step(dzh, ti)
        launch(cell_vjp, batch * hidden, _step(z, t), hp, _step(g, ti), dh, _step(dzi, ti),
               dzh_t, direct)
        dh = matmul(dzh_t, w_hh)
        launch(_add_into_kernel, batch * hidden, dh, direct)
    flat_dzi, flat_dzh = _rows(dzi), _rows(dzh)
    dx = reshape(matmul(flat_dzi, w_ih), x.shape)
    dw_ih = matmul(flat_dzi, _rows(x), transpose_a=True)
    dw_hh = matmul(flat_dzh, _rows(_previous_states(h, h0, reverse)), transpose_a=True)
    db_ih = _array.empty((3 * hidden,), dtype)
    db_hh = _array.empty((3 * hidden,), dtype)
    launch(_column_sum_kernel, 3 * hidden, flat_dzi, db_ih)
    launch(_column_sum_kernel, 3 * hidden, flat_dzh, db_hh)
    return dx, dh, dw_ih, dw_hh, db_ih, db_hh
