"""Recurrent layers: ``RNN`` (Elman, tanh or relu) and ``LSTM``, as torch's.

Both are thin shells over the per-layer primitives of :mod:`numbagrad.ops.rnn`: each layer and
direction runs its whole sequence in one kernel, layers are stacked here, and a bidirectional
layer concatenates its two directions' outputs along the feature dimension.
"""
from __future__ import annotations

import math
import numbers
import warnings

from numbagrad.creation import empty, zeros
from numbagrad.nn import init
from numbagrad.nn.dropout import dropout as _dropout
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.ops.rnn import lstm_layer, rnn_relu_layer, rnn_tanh_layer
from numbagrad.ops.shape import cat, stack
from numbagrad.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4}


class RNNBase(Module):
    """What ``RNN`` and ``LSTM`` share: parameters, checks, layer stacking and the repr.

    Parameters are registered in torch's order and names: for each layer ``k`` and direction,
    ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (``_reverse``
    appended for the second direction), all drawn from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        _check_args(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        if proj_size > 0:
            raise NotImplementedError(
                "LSTM: proj_size > 0 (projected hidden states) is not implemented in numbagrad; "
                "use proj_size=0, or follow the LSTM with an nn.Linear(hidden_size, proj_size)"
            )
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
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes.update({"bias_ih": (rows,), "bias_hh": (rows,)})
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
    def _prepare(self, input: Tensor) -> tuple[Tensor, bool]:
        """``input`` as a batched, time-major ``(L, N, I)`` tensor, and whether it was batched."""
        name = "RNN" if self.mode != "LSTM" else "LSTM"
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
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
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if self.batch_first:
            input = input.transpose(0, 1)
        return input, batched

    def _initial(self, state, batched: bool, batch: int, dtype, device, label: str) -> Tensor:
        """A given initial state as ``(layers * directions, N, H)``, checked; zeros if None."""
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if state is None:
            return zeros(*expected, dtype=dtype, device=device)
        if not batched:
            state = state.unsqueeze(1)
        if tuple(state.shape) != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got {list(state.shape)}")
        if state.dtype is not dtype:
            raise RuntimeError(f"{label} dtype ({state.dtype}) does not match input dtype "
                               f"({dtype})")
        return state

    def _layer_weights(self, layer: int, direction: int) -> list:
        names = self._all_weights[layer * (2 if self.bidirectional else 1) + direction]
        weights = [getattr(self, n) for n in names]
        return weights if self.bias else weights + [None, None]

    def _stack_layers(self, x: Tensor, run) -> tuple[Tensor, list]:
        """Run every layer and direction: ``run(x, index, weights, reverse)`` returns the
        layer's output sequence and its final state(s); dropout falls between layers."""
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                seq, final = run(x, index, self._layer_weights(layer, direction), direction == 1)
                outputs.append(seq)
                finals.append(final)
            x = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        return x, finals

    def _finish(self, output: Tensor, states: list, batched: bool) -> tuple:
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            states = [s.squeeze(1) for s in states]
        return output, states


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
    ``output (L, N, D * H)`` and ``h_n (D * num_layers, N, H)``.

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

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the sequence; returns ``(output, h_n)``."""
        x, batched = self._prepare(input)
        if hx is not None and hx.dim() != (3 if batched else 2):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(f"For {kind} input, hx should also be {3 if batched else 2}-D "
                               f"but got {hx.dim()}-D tensor")
        h0 = self._initial(hx, batched, x.shape[1], x.dtype, x.device, "hidden")
        layer_fn = rnn_tanh_layer if self.nonlinearity == "tanh" else rnn_relu_layer

        def run(seq, index, weights, reverse):
            out = layer_fn(seq, h0[index], *weights, reverse=reverse)
            return out, out[0] if reverse else out[-1]

        output, finals = self._stack_layers(x, run)
        output, (h_n,) = self._finish(output, [stack(finals)], batched)
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
        Must be 0: projections raise NotImplementedError.

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

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the sequence; returns ``(output, (h_n, c_n))``."""
        x, batched = self._prepare(input)
        h0 = c0 = None
        if hx is not None:
            h0, c0 = hx
            want = 3 if batched else 2
            if h0.dim() != want or c0.dim() != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({h0.dim()}-D, {c0.dim()}-D) tensors")
        h0 = self._initial(h0, batched, x.shape[1], x.dtype, x.device, "hidden[0]")
        c0 = self._initial(c0, batched, x.shape[1], x.dtype, x.device, "hidden[1]")
        cells = []

        def run(seq, index, weights, reverse):
            h, c = lstm_layer(seq, h0[index], c0[index], *weights, reverse=reverse)
            last = 0 if reverse else -1
            cells.append(c[last])
            return h, h[last]

        output, finals = self._stack_layers(x, run)
        output, (h_n, c_n) = self._finish(output, [stack(finals), stack(cells)], batched)
        return output, (h_n, c_n)
