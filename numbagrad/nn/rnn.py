"""Recurrent layers ``RNN`` (Elman, tanh or relu), ``LSTM`` and ``GRU``, and their one-step
cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, as torch's.

The layers are thin shells over the per-layer primitives of :mod:`numbagrad.ops.rnn`: each
layer and direction runs its whole sequence in one kernel, layers are stacked here, and a
bidirectional layer concatenates its two directions' outputs along the feature dimension. An
LSTM with ``proj_size > 0`` is a composite of linear maps and activations, step by step.

A :class:`~numbagrad.nn.utils.rnn.PackedSequence` input is unpacked (longest sequence first),
and the sequences of each length run as one batch over their own steps only, so that every
state stops at its sequence's end, as torch's; outputs are packed again.

A cell is one time step: the layer primitive run on a sequence of length one.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from numbagrad.creation import empty, zeros
from numbagrad.nn import init
from numbagrad.nn.dropout import dropout as _dropout
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.nn.utils.rnn import PackedSequence, _pack_rows, _unpack_rows
from numbagrad.ops.elementwise import sigmoid, tanh
from numbagrad.ops.rnn import gru_layer, lstm_layer, rnn_relu_layer, rnn_tanh_layer
from numbagrad.ops.shape import cat, stack
from numbagrad.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_NAMES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters, checks, layer stacking, packed
    sequences and the repr.

    Parameters are registered in torch's order and names: for each layer ``k`` and direction,
    ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` and, for an LSTM
    with projections, ``weight_hr_l{k}`` (``_reverse`` appended for the second direction), all
    drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        _check_args(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        if proj_size > 0 and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        rows = _GATES[mode] * hidden_size
        out_size = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, out_size)}
                if bias:
                    shapes.update({"bias_ih": (rows,), "bias_hh": (rows,)})
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Nothing to do: parameters are never packed into one buffer here (torch's no-op
        outside cuDNN)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in torch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ forward helpers
    def _check_dtype(self, input: Tensor) -> None:
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def _prepare(self, input):
        """The input as a batched, time-major, longest-first ``(L, N, I)`` tensor, whether it
        was batched, and for a packed input its batch sizes (else ``None``)."""
        name = _NAMES[self.mode]
        if isinstance(input, PackedSequence):
            data = input.data
            if data.dim() != 2:
                raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
            self._check_dtype(data)
            batch_sizes = np.asarray(input.batch_sizes.detach().cpu()).astype(np.int64)
            return _unpack_rows(data, batch_sizes, batch_sizes.size), True, batch_sizes
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        self._check_dtype(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if self.batch_first:
            input = input.transpose(0, 1)
        return input, batched, None

    def _initial(self, state, batched: bool, batch: int, size: int, dtype, device,
                 label: str, permutation) -> Tensor:
        """A given initial state as ``(layers * directions, N, size)``, checked and put in the
        packed batch order; zeros if None."""
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if state is None:
            return zeros(*expected, dtype=dtype, device=device)
        if not batched:
            state = state.unsqueeze(1)
        if tuple(state.shape) != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got {list(state.shape)}")
        if state.dtype is not dtype:
            raise RuntimeError(f"{label} dtype ({state.dtype}) does not match input dtype "
                               f"({dtype})")
        if permutation is not None:
            state = state.index_select(1, permutation.to(state.device))
        return state

    def _layer_weights(self, layer: int, direction: int) -> dict:
        names = self._all_weights[layer * (2 if self.bidirectional else 1) + direction]
        weights = {name.split("_l")[0]: getattr(self, name) for name in names}
        weights.setdefault("bias_ih", None)
        weights.setdefault("bias_hh", None)
        return weights

    def _stack_layers(self, x: Tensor, states: list, groups: list) -> tuple[Tensor, list]:
        """Run every layer and direction over ``x (T, N, I)`` from the initial ``states`` (each
        ``(layers * directions, N, *)``); dropout falls between layers.

        ``groups`` lists ``(start, stop, length)``: the batch columns ``start:stop`` run
        ``length`` steps (one group of all columns and ``T`` steps unless packed). Outputs past
        a column's length are zero. Returns the last layer's output and, per state, the final
        states stacked ``(layers * directions, N, *)``.
        """
        directions = 2 if self.bidirectional else 1
        steps, batch = x.shape[0], x.shape[1]
        finals: list = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = self._layer_weights(layer, direction)
                pieces, ends = [], [[] for _ in states]
                for start, stop, length in groups:
                    whole = start == 0 and stop == batch
                    seq = x if whole and length == steps else x[:length, start:stop]
                    init_states = [s[index] if whole else s[index][start:stop] for s in states]
                    out, last = self._run_layer(seq, init_states, weights, direction == 1)
                    if length < steps:
                        out = cat([out, zeros(steps - length, *out.shape[1:], dtype=out.dtype,
                                              device=out.device)], 0)
                    pieces.append(out)
                    for k, v in enumerate(last):
                        ends[k].append(v)
                outputs.append(pieces[0] if len(pieces) == 1 else cat(pieces, 1))
                for k, v in enumerate(ends):
                    finals[k].append(v[0] if len(v) == 1 else cat(v, 0))
            x = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        return x, [stack(f) for f in finals]

    def _run_layer(self, seq: Tensor, states: list, w: dict, reverse: bool) -> tuple:
        """One layer and direction over ``seq``: its output sequence and final states."""
        last = 0 if reverse else -1
        args = (w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"])
        if self.mode == "LSTM":
            if self.proj_size > 0:
                return _lstm_projected(seq, *states, *args, w["weight_hr"], reverse)
            h, c = lstm_layer(seq, *states, *args, reverse=reverse)
            return h, (h[last], c[last])
        layer_fn = {"RNN_TANH": rnn_tanh_layer, "RNN_RELU": rnn_relu_layer,
                    "GRU": gru_layer}[self.mode]
        out = layer_fn(seq, *states, *args, reverse=reverse)
        return out, (out[last],)

    def _run(self, input, states: list, labels: list):
        """Check the input and the initial ``states`` (``None`` or tensors, one per label),
        run all layers, and return the output (packed if the input was) and the final states,
        in the caller's layout and batch order."""
        x, batched, batch_sizes = self._prepare(input)
        packed = batch_sizes is not None
        if not packed:
            given = [s for s in states if s is not None]
            want = 3 if batched else 2
            if any(s.dim() != want for s in given):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if self.mode == "LSTM":
                    dims = ", ".join(f"{s.dim()}-D" for s in states)
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                       f"but got ({dims}) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                   f"{given[0].dim()}-D tensor")
        sorted_indices = input.sorted_indices if packed else None
        batch = x.shape[1]
        out_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        sizes = [out_size, self.hidden_size]
        states = [self._initial(s, batched, batch, sizes[k], x.dtype, x.device, labels[k],
                                sorted_indices) for k, s in enumerate(states)]
        if packed:
            lengths = np.array([(batch_sizes > b).sum() for b in range(batch)])
            groups = [(int(np.argmax(lengths == n)), int(batch - np.argmax(lengths[::-1] == n)),
                       int(n)) for n in np.unique(lengths)[::-1]]
        else:
            groups = [(0, batch, x.shape[0])]
        output, finals = self._stack_layers(x, states, groups)
        if packed:
            unsorted = input.unsorted_indices
            if unsorted is not None:
                finals = [f.index_select(1, unsorted.to(f.device)) for f in finals]
            output = PackedSequence(_pack_rows(output, batch_sizes), input.batch_sizes,
                                    sorted_indices, unsorted)
            return output, finals
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            finals = [s.squeeze(1) for s in finals]
        return output, finals


def _lstm_projected(seq, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse: bool) -> tuple:
    """One LSTM layer and direction with projections, step by step from composites:
    ``h_t = (sigmoid(o) tanh(c_t)) W_hr^T``; the gates read the projected ``h_{t-1}``."""
    steps = seq.shape[0]
    projected = seq.contiguous().matmul(w_ih.t())
    if b_ih is not None:
        projected = projected + (b_ih + b_hh)
    h, c = h0, c0
    outputs: list = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        i, f, g, o = (projected[t] + h.matmul(w_hh.t())).chunk(4, 1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h = (sigmoid(o) * tanh(c)).matmul(w_hr.t())
        outputs[t] = h
    return stack(outputs), (h, c)


def _check_args(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                proj_size) -> None:
    """torch's argument checks, in torch's order and words."""
    if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
            or not 0 <= dropout <= 1):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)
    if not isinstance(bias, bool):
        raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
    if not isinstance(batch_first, bool):
        raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
    if not isinstance(input_size, int):
        raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
        Features of the input ``I`` and of the hidden state ``H``.
    num_layers : int
        Stacked layers; layer ``k > 0`` reads layer ``k - 1``'s output.
    nonlinearity : {'tanh', 'relu'}
    bias : bool
        Learn ``b_ih`` and ``b_hh``.
    batch_first : bool
        Input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (not the hidden state).
    dropout : float
        Dropout on each layer's output but the last, in training mode.
    bidirectional : bool
        Run a second direction from the end; outputs concatenate to ``2H`` features.

    Shapes: ``input (L, N, I)`` (or ``(L, I)`` unbatched), ``h_0 (D * num_layers, N, H)``
    (or ``(D * num_layers, H)``), with ``D = 2`` if bidirectional else 1. Returns
    ``output (L, N, D * H)`` and ``h_n (D * num_layers, N, H)``. The input may also be a
    ``PackedSequence`` (``nn.utils.rnn``): the output is then packed alike, and ``h_n`` holds
    each sequence's state at its own last step.

    Examples
    --------
    >>> import numbagrad as torch
    >>> rnn = torch.nn.RNN(10, 20, 2)
    >>> output, hn = rnn(torch.randn(5, 3, 10), torch.randn(2, 3, 20))
    >>> output.shape, hn.shape
    (numbagrad.Size([5, 3, 20]), numbagrad.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input, hx: Tensor | None = None):
        """Run the sequence (a tensor or a ``PackedSequence``); returns ``(output, h_n)``."""
        output, (h_n,) = self._run(input, [hx], ["hidden"])
        return output, h_n


class LSTM(RNNBase):
    """Multi-layer long short-term memory, torch's gates ``i, f, g, o``.

    ``c_t = sigmoid(f_t) c_{t-1} + sigmoid(i_t) tanh(g_t)``, ``h_t = sigmoid(o_t) tanh(c_t)``,
    where ``(i, f, g, o)_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh`` split in four.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional :
        As :class:`RNN`'s; weights have ``4 * hidden_size`` rows.
    proj_size : int
        If positive, each hidden state is projected, ``h_t = (o_t tanh(c_t)) W_hr^T``, to
        ``proj_size`` features (``weight_hr_l{k}``); ``h`` and the output then have
        ``proj_size`` features, ``c`` keeps ``hidden_size``.

    Shapes: ``input (L, N, I)`` (or ``(L, I)``), ``(h_0, c_0)`` each ``(D * num_layers, N, H)``
    (or ``(D * num_layers, H)``). Returns ``output (L, N, D * H)`` and ``(h_n, c_n)``, each
    ``(D * num_layers, N, H)``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> lstm = torch.nn.LSTM(10, 20, 2)
    >>> output, (hn, cn) = lstm(torch.randn(5, 3, 10))
    >>> output.shape, hn.shape, cn.shape
    (numbagrad.Size([5, 3, 20]), numbagrad.Size([2, 3, 20]), numbagrad.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)

    def forward(self, input, hx: tuple[Tensor, Tensor] | None = None):
        """Run the sequence (a tensor or a ``PackedSequence``); returns
        ``(output, (h_n, c_n))``."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors")
        states = [None, None] if hx is None else list(hx)
        output, (h_n, c_n) = self._run(input, states, ["hidden[0]", "hidden[1]"])
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit, torch's gates ``r, z, n``.

    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)``,
    ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional :
        As :class:`RNN`'s; weights have ``3 * hidden_size`` rows.

    Shapes as :class:`RNN`'s; the input may also be a ``PackedSequence``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> gru = torch.nn.GRU(10, 20, 2)
    >>> output, hn = gru(torch.randn(5, 3, 10))
    >>> output.shape, hn.shape
    (numbagrad.Size([5, 3, 20]), numbagrad.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def forward(self, input, hx: Tensor | None = None):
        """Run the sequence (a tensor or a ``PackedSequence``); returns ``(output, h_n)``."""
        output, (h_n,) = self._run(input, [hx], ["hidden"])
        return output, h_n


class RNNCellBase(Module):
    """What the one-step cells share: ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``,
    ``bias_ih``, ``bias_hh (G*H,)``, drawn from U(-1/sqrt(H), 1/sqrt(H)), and the checks."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(rows, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(rows, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Tensor, states: list) -> tuple:
        """``input`` as ``(1, N, I)`` and each given state ``(N, H)`` (zeros if None), checked
        in torch's order and words; and whether the input was batched."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for s in states:
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {s.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        out = []
        for k, s in enumerate(states):
            if s is None:
                out.append(zeros(input.shape[0], self.hidden_size, dtype=input.dtype,
                                 device=input.device))
                continue
            if not batched:
                s = s.unsqueeze(0)
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} "
                                   f"batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, "
                                   f"expected {self.hidden_size}")
            out.append(s)
        return input.unsqueeze(0), out, batched

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    nonlinearity : {'tanh', 'relu'}

    Shapes: ``input (N, I)`` or ``(I,)``, ``hx (N, H)`` or ``(H,)`` (zeros if omitted);
    returns ``h' `` of ``hx``'s shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.RNNCell(10, 20)(torch.randn(3, 10)).shape
    numbagrad.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns the new hidden state."""
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, (h,), batched = self._prepare(input, [hx])
        layer_fn = rnn_tanh_layer if self.nonlinearity == "tanh" else rnn_relu_layer
        out = layer_fn(x, h, *self._weights())[0]
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, torch's gates ``i, f, g, o``: ``c' = sigmoid(f) c + sigmoid(i) tanh(g)``,
    ``h' = sigmoid(o) tanh(c')``.

    Shapes: ``input (N, I)`` or ``(I,)``, ``hx = (h, c)`` each ``(N, H)`` or ``(H,)`` (zeros
    if omitted); returns ``(h', c')``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> h, c = torch.nn.LSTMCell(10, 20)(torch.randn(3, 10))
    >>> h.shape, c.shape
    (numbagrad.Size([3, 20]), numbagrad.Size([3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """One step; returns ``(h', c')``."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("lstm_cell expects two hidden states")
        x, (h, c), batched = self._prepare(input, [None, None] if hx is None else list(hx))
        h, c = lstm_layer(x, h, c, *self._weights())
        if batched:
            return h[0], c[0]
        return h[0].squeeze(0), c[0].squeeze(0)


class GRUCell(RNNCellBase):
    """One GRU step, torch's gates ``r, z, n``: ``h' = (1 - z) n + z h``.

    Shapes: ``input (N, I)`` or ``(I,)``, ``hx (N, H)`` or ``(H,)`` (zeros if omitted);
    returns ``h'``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.GRUCell(10, 20)(torch.randn(3, 10)).shape
    numbagrad.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns the new hidden state."""
        x, (h,), batched = self._prepare(input, [hx])
        out = gru_layer(x, h, *self._weights())[0]
        return out if batched else out.squeeze(0)
