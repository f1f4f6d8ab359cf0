"""Recurrent layers: one primitive per layer kind, each running one layer and one direction.

Primitives: ``rnn_tanh_layer`` and ``rnn_relu_layer`` (Elman RNN,
``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``), ``lstm_layer`` (torch's LSTM,
gates ``i, f, g, o``) and ``gru_layer`` (torch's GRU, gates ``r, z, n``). Each forward runs
the whole sequence in one backend kernel and its vjp is backpropagation through time in
another, giving the gradients of the input sequence, the initial state(s) and all four
parameter tensors. ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` stack these.

An LSTM layer has two results, the hidden and the cell state sequences; the primitive returns
them stacked as one ``(2, L, N, H)`` tensor and :func:`lstm_layer` hands back its two halves,
so that the registry's one-output nodes carry both gradients.

The scalar formulas are :mod:`numbagrad.ops.scalar`'s ``sigmoid``, ``tanh``, ``relu`` and their
vjps, passed to the backend, which compiles them into its kernels.
"""
from __future__ import annotations

from numbagrad import dtypes
from numbagrad.ops import scalar
from numbagrad.ops.registry import OpDef, apply, register

_ACTIVATIONS = {"tanh": (scalar.tanh, scalar.tanh_vjp), "relu": (scalar.relu, scalar.relu_vjp)}
_LSTM_FORMULAS = (scalar.sigmoid, scalar.sigmoid_vjp, scalar.tanh, scalar.tanh_vjp)


def _rnn_forward(be, x, h0, w_ih, w_hh, b_ih, b_hh, *, act, reverse):
    return be.rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, *_ACTIVATIONS[act], reverse)


def _rnn_vjp(be, g, node):
    """Backpropagation through time; both biases receive the pre-activations' gradient summed
    over time and batch."""
    x, h0, w_ih, w_hh, _, _ = node.inputs
    dx, dh0, dw_ih, dw_hh, db = be.rnn_layer_vjp(
        g, x, h0, w_ih, w_hh, node.output, node.extra, *_ACTIVATIONS[node.attrs["act"]],
        node.attrs["reverse"])
    grads = (dx, dh0, dw_ih, dw_hh, db, db)
    return tuple(d if need else None for d, need in zip(grads, node.needs))


def _lstm_forward(be, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, reverse):
    return be.lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, _LSTM_FORMULAS, reverse)


def _lstm_vjp(be, g, node):
    """Backpropagation through time from the gradients of both state sequences."""
    x, h0, c0, w_ih, w_hh, _, _ = node.inputs
    dx, dh0, dc0, dw_ih, dw_hh, db = be.lstm_layer_vjp(
        g, x, h0, c0, w_ih, w_hh, node.output, node.extra, _LSTM_FORMULAS,
        node.attrs["reverse"])
    grads = (dx, dh0, dc0, dw_ih, dw_hh, db, db)
    return tuple(d if need else None for d, need in zip(grads, node.needs))


RNN_TANH_LAYER = register(OpDef("rnn_tanh_layer", _rnn_forward, _rnn_vjp,
                                kernels=("rnn_layer", "rnn_layer_vjp"), saves_inputs=True,
                                saves_output=True))
RNN_RELU_LAYER = register(OpDef("rnn_relu_layer", _rnn_forward, _rnn_vjp,
                                kernels=("rnn_layer", "rnn_layer_vjp"), saves_inputs=True,
                                saves_output=True))
LSTM_LAYER = register(OpDef("lstm_layer", _lstm_forward, _lstm_vjp,
                            kernels=("lstm_layer", "lstm_layer_vjp"), saves_inputs=True,
                            saves_output=True))


def _gru_forward(be, x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse):
    return be.gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, _LSTM_FORMULAS, reverse)


def _gru_vjp(be, g, node):
    """Backpropagation through time; the two biases get different gradients on the ``n``
    rows, where the hidden part is scaled by the reset gate."""
    x, h0, w_ih, w_hh, _, _ = node.inputs
    grads = be.gru_layer_vjp(g, x, h0, w_ih, w_hh, node.output, node.extra, _LSTM_FORMULAS,
                             node.attrs["reverse"])
    return tuple(d if need else None for d, need in zip(grads, node.needs))


GRU_LAYER = register(OpDef("gru_layer", _gru_forward, _gru_vjp,
                           kernels=("gru_layer", "gru_layer_vjp"), saves_inputs=True,
                           saves_output=True))


def _check(op: str, gates: int, input, states: tuple, w_ih, w_hh, b_ih, b_hh) -> tuple:
    """Check types, dtypes and shapes; return the biases, zeros where absent."""
    from numbagrad.creation import zeros
    from numbagrad.tensor import Tensor

    named = [("input", input)] + list(states) + [("weight_ih", w_ih), ("weight_hh", w_hh)]
    named += [(n, b) for n, b in (("bias_ih", b_ih), ("bias_hh", b_hh)) if b is not None]
    for name, t in named:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"{op}(): expected a float32 or float64 input, got {input.dtype}")
    for name, t in named[1:]:
        if t.dtype is not input.dtype:
            raise TypeError(f"{op}(): {name} has dtype {t.dtype} but input has {input.dtype}")
    if input.ndim != 3:
        raise RuntimeError(f"{op}(): expected a 3-D input (L, N, input_size), got shape "
                           f"{list(input.shape)}")
    steps, batch, n_in = input.shape
    if steps == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    if w_hh.ndim != 2:
        raise RuntimeError(f"{op}(): expected a 2-D weight_hh ({gates} * hidden_size, "
                           f"hidden_size), got shape {list(w_hh.shape)}")
    hidden = w_hh.shape[1]
    expected = {"weight_ih": (gates * hidden, n_in), "weight_hh": (gates * hidden, hidden),
                "bias_ih": (gates * hidden,), "bias_hh": (gates * hidden,)}
    expected.update({name: (batch, hidden) for name, _ in states})
    for name, t in named[1:]:
        if tuple(t.shape) != expected[name]:
            raise RuntimeError(f"{op}(): expected {name} of shape {list(expected[name])}, got "
                               f"{list(t.shape)}")
    return tuple(b if b is not None else zeros(gates * hidden, dtype=input.dtype,
                                               device=input.device) for b in (b_ih, b_hh))


def _rnn_layer(op: OpDef, act: str, input, hx, weight_ih, weight_hh, bias_ih, bias_hh,
               reverse: bool):
    b_ih, b_hh = _check(op.name, 1, input, (("hx", hx),), weight_ih, weight_hh, bias_ih,
                        bias_hh)
    return apply(op, (input, hx, weight_ih, weight_hh, b_ih, b_hh), act=act,
                 reverse=bool(reverse))


def rnn_tanh_layer(input, hx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *,
                   reverse: bool = False):
    """One layer and direction of an Elman RNN with tanh:
    ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Derivative (backpropagation through time): ``dz_t = (g_t + dz_{t+1} W_hh) (1 - h_t^2)``;
    ``dx_t = dz_t W_ih``, ``dW_ih = sum_t dz_t^T x_t``, ``dW_hh = sum_t dz_t^T h_{t-1}``,
    ``db = sum_t dz_t``, ``dh_0 = dz_1 W_hh``.

    Parameters
    ----------
    input : Tensor
        ``(L, N, I)``, float32 or float64.
    hx : Tensor
        ``(N, H)`` initial state.
    weight_ih, weight_hh : Tensor
        ``(H, I)`` and ``(H, H)``.
    bias_ih, bias_hh : Tensor, optional
        ``(H,)`` each; absent means zero.
    reverse : bool
        Run from the last time step to the first (the backward direction of a bidirectional
        layer); the result stays in input order.

    Returns
    -------
    Tensor
        ``(L, N, H)``: the state after each time step, in input order.

    Raises
    ------
    TypeError
        For non-tensors or mixed dtypes.
    RuntimeError
        For shapes that do not fit together, or an empty sequence.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.ops.rnn import rnn_tanh_layer
    >>> rnn_tanh_layer(torch.ones(5, 2, 3), torch.zeros(2, 4), torch.ones(4, 3),
    ...                torch.zeros(4, 4)).shape
    numbagrad.Size([5, 2, 4])
    """
    return _rnn_layer(RNN_TANH_LAYER, "tanh", input, hx, weight_ih, weight_hh, bias_ih,
                      bias_hh, reverse)


def rnn_relu_layer(input, hx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *,
                   reverse: bool = False):
    """One layer and direction of an Elman RNN with relu:
    ``h_t = relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Derivative as :func:`rnn_tanh_layer`'s with ``1 - h_t^2`` replaced by ``[h_t > 0]``.
    Parameters, returns and errors as :func:`rnn_tanh_layer`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.ops.rnn import rnn_relu_layer
    >>> rnn_relu_layer(torch.ones(1, 1, 1), torch.zeros(1, 1), torch.ones(1, 1),
    ...                torch.ones(1, 1)).tolist()
    [[[1.0]]]
    """
    return _rnn_layer(RNN_RELU_LAYER, "relu", input, hx, weight_ih, weight_hh, bias_ih,
                      bias_hh, reverse)


def lstm_layer(input, hx, cx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *,
               reverse: bool = False):
    """One layer and direction of torch's LSTM (no projection).

    With ``z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh`` cut into four ``H``-wide gates
    ``i, f, g, o`` (torch's order): ``c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)`` and
    ``h_t = sigmoid(o) tanh(c_t)``.

    Derivative (backpropagation through time), with gradients ``gh_t``, ``gc_t`` arriving at
    the outputs: ``dh_t = gh_t + dz_{t+1} W_hh``,
    ``dc_t = gc_t + f_{t+1} dc_{t+1} + dh_t o_t (1 - tanh(c_t)^2)``; the gate gradients follow
    from the products above, and the weight, bias and input gradients are
    :func:`rnn_tanh_layer`'s sums over ``dz``.

    Parameters
    ----------
    input : Tensor
        ``(L, N, I)``, float32 or float64.
    hx, cx : Tensor
        ``(N, H)`` initial hidden and cell states.
    weight_ih, weight_hh : Tensor
        ``(4H, I)`` and ``(4H, H)``.
    bias_ih, bias_hh : Tensor, optional
        ``(4H,)`` each; absent means zero.
    reverse : bool
        Run from the last time step to the first; results stay in input order.

    Returns
    -------
    (h, c) : tuple of Tensor
        ``(L, N, H)`` each: hidden and cell states after each time step, in input order.

    Raises
    ------
    TypeError
        For non-tensors or mixed dtypes.
    RuntimeError
        For shapes that do not fit together, or an empty sequence.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.ops.rnn import lstm_layer
    >>> h, c = lstm_layer(torch.ones(5, 2, 3), torch.zeros(2, 4), torch.zeros(2, 4),
    ...                   torch.ones(16, 3), torch.zeros(16, 4))
    >>> h.shape, c.shape
    (numbagrad.Size([5, 2, 4]), numbagrad.Size([5, 2, 4]))
    """
    b_ih, b_hh = _check("lstm_layer", 4, input, (("hx", hx), ("cx", cx)), weight_ih, weight_hh,
                        bias_ih, bias_hh)
    hc = apply(LSTM_LAYER, (input, hx, cx, weight_ih, weight_hh, b_ih, b_hh),
               reverse=bool(reverse))
    return hc[0], hc[1]


def gru_layer(input, hx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *,
              reverse: bool = False):
    """One layer and direction of torch's GRU.

    With ``p = x_t W_ih^T + b_ih`` and ``q = h_{t-1} W_hh^T + b_hh`` each cut into three
    ``H``-wide parts ``r, z, n`` (torch's order): ``r = sigmoid(p_r + q_r)``,
    ``z = sigmoid(p_z + q_z)``, ``n = tanh(p_n + r q_n)`` and
    ``h_t = (1 - z) n + z h_{t-1}``.

    Derivative (backpropagation through time), with ``dh_t`` the gradient reaching ``h_t``:
    ``dn = dh_t (1 - z) (1 - n^2)``, ``dq_n = dn r``, ``dr = dn q_n r (1 - r)``,
    ``dz = dh_t (h_{t-1} - n) z (1 - z)``, ``dh_{t-1} = dh_t z + dq W_hh``; the weight, bias
    and input gradients are sums over time of ``dp`` and ``dq``.

    Parameters
    ----------
    input : Tensor
        ``(L, N, I)``, float32 or float64.
    hx : Tensor
        ``(N, H)`` initial state.
    weight_ih, weight_hh : Tensor
        ``(3H, I)`` and ``(3H, H)``.
    bias_ih, bias_hh : Tensor, optional
        ``(3H,)`` each; absent means zero.
    reverse : bool
        Run from the last time step to the first; the result stays in input order.

    Returns
    -------
    Tensor
        ``(L, N, H)``: the state after each time step, in input order.

    Raises
    ------
    TypeError
        For non-tensors or mixed dtypes.
    RuntimeError
        For shapes that do not fit together, or an empty sequence.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.ops.rnn import gru_layer
    >>> gru_layer(torch.ones(5, 2, 3), torch.zeros(2, 4), torch.ones(12, 3),
    ...           torch.zeros(12, 4)).shape
    numbagrad.Size([5, 2, 4])
    """
    b_ih, b_hh = _check("gru_layer", 3, input, (("hx", hx),), weight_ih, weight_hh, bias_ih,
                        bias_hh)
    return apply(GRU_LAYER, (input, hx, weight_ih, weight_hh, b_ih, b_hh),
                 reverse=bool(reverse))
