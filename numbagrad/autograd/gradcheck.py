"""``gradcheck``: compare the gradients that backward computes with finite differences.

For every input that requires grad and every output, the full Jacobian is measured twice: by
central differences, ``(f(x + eps e_j) - f(x - eps e_j)) / (2 eps)`` one input element at a
time, and by backward, one output element at a time (``grad_outputs`` a one-hot vector). They
must agree as ``|analytical - numerical| <= atol + rtol |numerical|``, torch's ``allclose``.
``fast_mode=True`` compares one scalar per pair instead, ``v . J u`` along random directions.
"""
from __future__ import annotations

import warnings

import numpy as np

from numbagrad.autograd.grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when analytical and numerical gradients disagree."""


def _tensor_class():
    from numbagrad.tensor import Tensor

    return Tensor


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_inputs(inputs: tuple) -> list:
    """Indices of the inputs that require grad; torch's warning and errors."""
    Tensor = _tensor_class()
    diff = []
    for idx, inp in enumerate(inputs):
        if not (isinstance(inp, Tensor) and inp.requires_grad):
            continue
        if inp.dtype.name != "float64":
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                stacklevel=3,
            )
        if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck."
            )
        diff.append(idx)
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )
    return diff


def _float_outputs(func, inputs: tuple) -> list:
    """The floating-point outputs of ``func(*inputs)``, as float64 host arrays."""
    Tensor = _tensor_class()
    with no_grad():
        outs = _as_tuple(func(*inputs))
    return [np.asarray(o, dtype=np.float64) for o in outs
            if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _perturbed(t, host: np.ndarray):
    """Write ``host`` into ``t``'s storage without a version bump (as torch's ``.data``)."""
    t._backend().assign(t._data, t._backend().from_host(host.astype(t._data.dtype)))


def _numerical(func, inputs: tuple, i: int, eps: float, n_outputs: int) -> list:
    """Jacobian of every floating output with respect to input ``i``: (numel_in, numel_out)."""
    t = inputs[i]
    original = np.array(t, dtype=np.float64)
    flat = original.reshape(-1).copy()
    columns: list = [[] for _ in range(n_outputs)]
    try:
        for j in range(flat.size):
            x0 = flat[j]
            flat[j] = x0 + eps
            _perturbed(t, flat.reshape(original.shape))
            plus = _float_outputs(func, inputs)
            flat[j] = x0 - eps
            _perturbed(t, flat.reshape(original.shape))
            minus = _float_outputs(func, inputs)
            flat[j] = x0
            for k in range(n_outputs):
                columns[k].append(((plus[k] - minus[k]) / (2 * eps)).reshape(-1))
    finally:
        _perturbed(t, original)
    return [np.stack(c) if c else np.zeros((0, 0)) for c in columns]


def _analytical(output, diff_inputs: list) -> list:
    """Jacobian of ``output`` with respect to each input by backward, one row per element."""
    from numbagrad.autograd.functional import grad

    Tensor = _tensor_class()
    n_out = output.numel()
    rows = [np.zeros((x.numel(), n_out)) for x in diff_inputs]
    host = np.zeros(n_out, dtype=output._data.dtype)
    be = output._backend()
    for k in range(n_out):
        host[:] = 0
        host[k] = 1
        seed = Tensor._make(be.from_host(host.reshape(output.shape).copy()), output.device)
        grads = grad(output, diff_inputs, grad_outputs=[seed], retain_graph=True,
                     allow_unused=True)
        for r, g in zip(rows, grads):
            if g is not None:
                r[:, k] = np.asarray(g, dtype=np.float64).reshape(-1)
    return rows


def _mismatch(a: np.ndarray, n: np.ndarray, atol: float, rtol: float):
    """``None`` when close, else (flat index of the worst entry, its excess over tolerance)."""
    excess = np.abs(a - n) - (atol + rtol * np.abs(n))
    # nan anywhere (in one and not the other) is a mismatch, as in allclose.
    excess = np.where(np.isnan(a) | np.isnan(n), np.inf, excess)
    if excess.size == 0 or not (excess > 0).any():
        return None
    return int(np.argmax(excess))


def _jacobian_message(o: int, i: int, a: np.ndarray, n: np.ndarray, worst: int,
                      in_shape, out_shape, atol: float, rtol: float) -> str:
    Tensor = _tensor_class()
    row, col = np.unravel_index(worst, a.shape)
    in_idx = tuple(int(v) for v in np.unravel_index(row, in_shape)) if in_shape else ()
    out_idx = tuple(int(v) for v in np.unravel_index(col, out_shape)) if out_shape else ()
    av, nv = float(a[row, col]), float(n[row, col])
    return (
        f"Jacobian mismatch for output {o} with respect to input {i},\n"
        f"numerical:{Tensor._make(n)}\nanalytical:{Tensor._make(a)}\n\n"
        f"The worst entry is output {o} element {out_idx} with respect to input {i} element "
        f"{in_idx} (Jacobian position ({row}, {col})): analytical {av!r}, numerical {nv!r}, "
        f"|difference| {abs(av - nv):.6g} > atol + rtol * |numerical| = "
        f"{atol + rtol * abs(nv):.6g}.\n"
    )


def _slow_check(func, inputs, diff, outputs, eps, atol, rtol, nondet_tol) -> None:
    Tensor = _tensor_class()
    floats = [o for o in outputs if isinstance(o, Tensor) and o.dtype.is_floating_point]
    numerical = {i: _numerical(func, inputs, i, eps, len(floats)) for i in diff}
    diff_inputs = [inputs[i] for i in diff]
    o_idx = 0
    for k, out in enumerate(floats):
        if not out.requires_grad:
            if any(np.any(numerical[i][k] != 0) for i in diff):
                raise GradcheckError("Numerical gradient for function expected to be zero")
            continue
        analytical = _analytical(out, diff_inputs)
        again = _analytical(out, diff_inputs)
        for j, i in enumerate(diff):
            a, n = analytical[j], numerical[i][k]
            worst = _mismatch(a, n, atol, rtol)
            if worst is not None:
                raise GradcheckError(_jacobian_message(o_idx, j, a, n, worst, inputs[i].shape,
                                                       out.shape, atol, rtol))
            if np.abs(again[j] - a).max(initial=0.0) > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and "
                    "grad_output multiple times gives different values, although analytical "
                    "gradient matches numerical gradient. The tolerance for nondeterminism was "
                    f"{nondet_tol}."
                )
        o_idx += 1


def _fast_check(func, inputs, diff, outputs, eps, atol, rtol) -> None:
    """One scalar per (output, input) pair: ``v . J u`` by both methods, ``u, v`` random."""
    from numbagrad.autograd.functional import grad

    Tensor = _tensor_class()
    rng = np.random.default_rng(0)
    floats = [o for o in outputs if isinstance(o, Tensor) and o.dtype.is_floating_point]
    checked = [(k, o) for k, o in enumerate(floats) if o.requires_grad]
    for j, i in enumerate(diff):
        t = inputs[i]
        original = np.array(t, dtype=np.float64)
        u = rng.uniform(-1, 1, original.shape)
        try:
            _perturbed(t, original + eps * u)
            plus = _float_outputs(func, inputs)
            _perturbed(t, original - eps * u)
            minus = _float_outputs(func, inputs)
        finally:
            _perturbed(t, original)
        for o_idx, (k, out) in enumerate(checked):
            v = rng.uniform(-1, 1, tuple(out.shape))
            n = float(np.sum(v * (plus[k] - minus[k]) / (2 * eps)))
            seed = Tensor._make(out._backend().from_host(v.astype(out._data.dtype)), out.device)
            g, = grad(out, [t], grad_outputs=[seed], retain_graph=True, allow_unused=True)
            a = 0.0 if g is None else float(np.sum(np.asarray(g, np.float64) * u))
            if not abs(a - n) <= atol + rtol * abs(n):
                raise GradcheckError(
                    f"Jacobian mismatch for output {o_idx} with respect to input {j},\n"
                    f"numerical:{n!r}\nanalytical:{a!r}\n\n"
                    "The above quantities relating the numerical and analytical jacobians are "
                    "computed in fast mode: v^T J u along random directions u (input) and v "
                    "(output). Run with fast_mode=False for the full Jacobians.\n"
                )


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check backward's gradients of ``func`` against central finite differences.

    Parameters
    ----------
    func : callable
        Takes ``*inputs`` and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        The inputs that require grad are checked; use float64 (float32 warns, as in torch).
    eps : float
        The finite-difference step.
    atol, rtol : float
        Entries must satisfy ``|analytical - numerical| <= atol + rtol * |numerical|``.
    raise_exception : bool
        Raise :class:`GradcheckError` on failure (True) or return False.
    nondet_tol : float
        How much two backward passes may differ (0: backward must be deterministic).
    fast_mode : bool
        Compare ``v . J u`` for random ``u, v`` instead of the full Jacobians.
    check_undefined_grad, check_grad_dtypes, check_backward_ad, masked :
        Accepted for torch compatibility; gradients are always cast to their input's dtype.
    check_batched_grad, check_batched_forward_grad, check_forward_ad : bool
        Must be False: numbagrad has no vmap and no forward-mode AD.

    Returns
    -------
    bool
        True when every Jacobian matches (False on failure with ``raise_exception=False``).

    Raises
    ------
    GradcheckError
        Naming the output and input whose Jacobians differ, and the worst entry.
    ValueError
        If no input requires grad.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda t: (t * t).exp(), (x,))
    True
    """
    if check_batched_grad or check_batched_forward_grad or check_forward_ad:
        raise NotImplementedError(
            "gradcheck: numbagrad has no vmap or forward-mode AD (check_batched_grad, "
            "check_batched_forward_grad and check_forward_ad must be False)"
        )
    inputs = _as_tuple(inputs)
    diff = _check_inputs(inputs)
    outputs = _as_tuple(func(*inputs))
    if not check_backward_ad:
        return True
    try:
        if fast_mode:
            _fast_check(func, inputs, diff, outputs, eps, atol, rtol)
        else:
            _slow_check(func, inputs, diff, outputs, eps, atol, rtol, nondet_tol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


gradcheck.GradcheckError = GradcheckError
