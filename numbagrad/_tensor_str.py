"""How tensors print: a port of torch's ``torch/_tensor_str.py``.

The layout rules are torch's, so that a tutorial's printed output matches character for
character: one :class:`_Formatter` per tensor picks integer, fixed or scientific notation and a
common width from the (summarized) values; 1-D rows wrap at ``linewidth``; tensors of more than
``threshold`` elements show ``edgeitems`` items at each end of every dimension around ``...``.
The values are read on the host as NumPy arrays; Python floats do the formatting, as in torch.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (torch's options and defaults).

    Parameters
    ----------
    precision : int, optional
        Digits after the decimal point for floating point values (default 4).
    threshold : float, optional
        Tensors with more elements than this are summarized (default 1000).
    edgeitems : int, optional
        Items shown at the start and end of each dimension when summarizing (default 3).
    linewidth : int, optional
        Characters per line before 1-D rows wrap (default 80).
    profile : {"default", "short", "full"}, optional
        Preset options, overridden by any of the others given.
    sci_mode : bool, optional
        Force (True) or forbid (False) scientific notation; None lets each tensor choose.
        As in torch, every call resets it to this argument.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.set_printoptions(precision=2)
    >>> torch.tensor([1.12345])
    tensor([1.12])
    >>> torch.set_printoptions(profile="default")
    >>> torch.tensor([1.12345])
    tensor([1.1235])
    """
    if profile is not None:
        presets = {
            "default": (4, 1000, 3, 80),
            "short": (2, 1000, 2, 80),
            "full": (4, math.inf, 3, 80),
        }
        if profile in presets:
            (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
             PRINT_OPTS.linewidth) = presets[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: the print options of :func:`set_printoptions` inside the block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses the notation and the common width of every value of one tensor."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating_dtype = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating_dtype:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        # In float64, as torch: float32 overflows the ratio for very spread values.
        absolute = np.abs(finite).astype(np.float64)
        lo, hi = absolute.min(), absolute.max()
        floats = finite.tolist()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in floats)
        elif self.int_mode:
            # Room for the "." that marks an integral float as floating point.
            widths = (len(f"{v:.0f}") + 1 for v in floats)
        else:
            widths = (len(f"{v:.{p}f}") for v in floats)
        self.max_width = max(self.max_width, max(widths))

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating_dtype:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.width() + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * e:
        data = ([fmt.format(v) for v in values[:e].tolist()] + [" ..."]
                + [fmt.format(v) for v in values[-e:].tolist()])
    else:
        data = [fmt.format(v) for v in values.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(values: np.ndarray, indent: int, summarize: bool,
                               fmt: _Formatter) -> str:
    dim = values.ndim
    if dim == 0:
        return fmt.format(values.item())
    if dim == 1:
        return _vector_str(values, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = values.shape[0]
    if summarize and n > 2 * e:
        rows = ([_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt)
                 for i in range(e)] + ["..."]
                + [_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt)
                   for i in range(n - e, n)])
    else:
        rows = [_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt)
                for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(rows) + "]"


def _summarized_data(values: np.ndarray) -> np.ndarray:
    """The values that a summarized print shows: ``edgeitems`` at each end of each dimension."""
    e = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        # torch takes values[-0:] (everything) when edgeitems is 0: kept for identical output.
        if values.shape[0] > 2 * e:
            return np.concatenate((values[:e], values[-e:]))
        return values
    if not e:
        return np.empty((0,) * values.ndim, values.dtype)
    n = values.shape[0]
    rows = range(n) if n <= 2 * e else [*range(e), *range(n - e, n)]
    return np.stack([_summarized_data(values[i]) for i in rows])


def _tensor_str(values: np.ndarray, indent: int) -> str:
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized_data(values) if summarize else values)
    return _tensor_str_with_formatter(values, indent, summarize, fmt)


def _add_suffixes(tensor_str: str, suffixes: list, indent: int) -> str:
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """``tensor([...], dtype=..., requires_grad=True)`` exactly as torch prints it.

    Parameters
    ----------
    t : Tensor

    Returns
    -------
    str

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1.0, 2.5], dtype=torch.float64)
    tensor([1.0000, 2.5000], dtype=numbagrad.float64)
    """
    from numbagrad import dtypes

    name = type(t).__name__
    prefix = "tensor(" if name in ("Tensor", "Parameter") else f"{name}("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    values = np.asarray(t)
    dtype = t.dtype
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if dtype is not dtypes.get_default_dtype():
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(values.shape)}")
        if dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            suffixes.append(f"dtype={dtype}")
        body = _tensor_str(values, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
