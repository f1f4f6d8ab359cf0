"""The ``Spec`` record: how to call an op, a NumPy reference, and where its inputs come from.

Each spec drives three generated tests (``test_specs.py``): the forward value against the
reference in float32 and float64, a gradient check against central finite differences in
float64 over random (broadcast, non-contiguous) shapes, and, for the CUDA backend, CPU/GPU
parity. ``covers`` names the registered primitives the spec exercises; the registry test checks
that every primitive is covered. The specs themselves live in ``specs_<family>.py``, one module
per op family, gathered by ``all_specs.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable



@dataclass(frozen=True)
class Spec:
    """How to test one op.

    Attributes
    ----------
    name : str
        Test id.
    fn : callable
        ``fn(*tensors) -> Tensor`` in numbagrad.
    ref : callable
        ``ref(*arrays) -> ndarray``, the NumPy reference.
    n_inputs : int
        Number of tensor inputs.
    covers : tuple of str
        Registered primitives exercised (defaults to ``(name,)``).
    low, high : float
        Range of input values.
    kinks : tuple of float
        Values where the op is not differentiable; inputs stay ``kink_gap`` away from them.
    fix : callable, optional
        ``fix(arrays) -> arrays`` to move inputs off kinks that involve several inputs
        (ties in ``maximum``).
    broadcast : bool
        Draw mutually broadcastable shapes for the inputs (else one shape for all).
    min_dims, max_dims : int
        Ranks to draw.
    shapes : callable, optional
        ``shapes(draw) -> list of shapes`` for ops with structured shapes (matmul).
    grad_inputs : tuple of int, optional
        Inputs to differentiate (default: all).
    differentiable : bool
        False for ops without gradients (comparisons).
    rtol, atol : float
        Forward tolerances in float32 (float64 uses 1e-10).
    fd_eps : float
        Finite-difference step of the gradient check.
    """

    name: str
    fn: Callable
    ref: Callable
    n_inputs: int = 1
    covers: tuple = ()
    low: float = -3.0
    high: float = 3.0
    kinks: tuple = ()
    kink_gap: float = 1e-2
    fix: Callable | None = None
    broadcast: bool = True
    min_dims: int = 0
    max_dims: int = 4
    shapes: Callable | None = None
    grad_inputs: tuple | None = None
    differentiable: bool = True
    rtol: float = 1e-5
    atol: float = 1e-6
    fd_eps: float = 1e-6

    @property
    def covered(self) -> tuple:
        return self.covers or (self.name,)
