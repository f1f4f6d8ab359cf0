"""Anomaly detection, as ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``.

While it is on, every recorded node keeps the stack of the forward call that made it, and the
backward pass checks each node's input gradients: a NaN raises RuntimeError naming the node
(``Function 'LogBackward0' returned nan values in its 0th output.``), after a warning that shows
where that node was made. When it is off, the engine pays one boolean test per backward call
and the forward one per recorded node.
"""
from __future__ import annotations

import os
import traceback
import warnings

import numpy as np

__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
           "set_detect_anomaly"]

# Read by numbagrad.autograd.graph (at node creation and once per backward call).
enabled: bool = False
check_nan: bool = True

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks backward's outputs for NaN."""
    return check_nan


def _set(mode: bool, nan: bool) -> None:
    global enabled, check_nan
    enabled, check_nan = bool(mode), bool(nan)


class detect_anomaly:
    """Context manager: anomaly detection on inside the block (and a warning that it is slow).

    Parameters
    ----------
    check_nan : bool
        Raise when a backward function returns NaN.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.zeros(1, requires_grad=True)
    >>> with torch.autograd.detect_anomaly():                      # doctest: +SKIP
    ...     torch.sqrt(x * 0).sum().backward()
    Traceback (most recent call last):
    RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = enabled
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        _set(True, self.check_nan)

    def __exit__(self, *args) -> None:
        _set(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off: as a function (for good) or a context manager.

    Parameters
    ----------
    mode : bool
        On or off.
    check_nan : bool
        Raise when a backward function returns NaN.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = enabled
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args) -> None:
        _set(self.prev, self.prev_check_nan)


def forward_trace() -> list:
    """The stack of the current forward call, without numbagrad's own frames."""
    frames = traceback.extract_stack()[:-2]
    return [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep)]


def check_outputs(node, grads) -> None:
    """Raise if one of ``node``'s input gradients holds a NaN (when NaN checks are on)."""
    if not check_nan or grads is None:
        return
    for i, g in enumerate(grads):
        if g is None or getattr(g, "dtype", None) is None or g.dtype.kind not in "fc":
            continue
        host = node.be.to_host(g)
        if np.isnan(host).any():
            name = node.name()
            trace = getattr(node, "trace", None)
            if trace:
                warnings.warn(f"Error detected in {name}. Traceback of forward call that caused "
                              "the error:\n" + "".join(traceback.format_list(trace)),
                              stacklevel=2)
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.")
