"""``backward`` and ``grad``: the two ways to run the backward pass."""
from __future__ import annotations

from numbagrad.ops.registry import _edge


def _seed(op: str, outputs, grad_outputs) -> list:
    """(edge, gradient array, backend) for each output that requires grad."""
    from numbagrad.tensor import Tensor

    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"{op}: got {len(grad_outputs)} gradients for {len(outputs)} outputs"
        )
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        be = out._backend()
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs "
                    f"(output {i} has shape {list(out.shape)}); pass `gradient`"
                )
            array = be.full(out._data.shape, 1, out._data.dtype)
        else:
            if not isinstance(g, Tensor):
                g = Tensor(g, dtype=out.dtype)
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                    f"output[{i}] has a shape of {out.shape}."
                )
            if g._device != out._device:
                raise RuntimeError(
                    f"{op}: grad_output[{i}] is on {g._device} but output[{i}] is on {out._device}"
                )
            array = g._data if g.dtype is out.dtype else be.astype(g._data, out._data.dtype)
        roots.append((_edge(out), array, be))
    return roots


def _as_list(x) -> list:
    from numbagrad.tensor import Tensor

    return [x] if isinstance(x, Tensor) else list(x)


def _check_inputs(inputs: list) -> None:
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
    grad_tensors : sequence of Tensor or None, optional
        The gradient with respect to each of ``tensors``; None for one-element tensors.
    retain_graph : bool, optional
        Keep saved values for another backward pass.
    create_graph : bool
        Must be False: numbagrad does not differentiate its derivative rules.
    inputs : sequence of Tensor, optional
        Accumulate only into these tensors.
    """
    from numbagrad.autograd.graph import run_backward

    if create_graph:
        raise NotImplementedError(
            "backward: create_graph=True (higher-order gradients) is not supported by numbagrad"
        )
    tensors = _as_list(tensors)
    if grad_tensors is not None:
        grad_tensors = _as_list(grad_tensors)
    roots = _seed("backward", tensors, grad_tensors)
    if inputs is None:
        run_backward(roots, bool(retain_graph))
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    _check_inputs(inputs)
    targets = {_edge(t): i for i, t in enumerate(inputs)}
    captured = run_backward(roots, bool(retain_graph), capture=targets, accumulate=False)
    from numbagrad.autograd.graph import _add_into

    for i, t in enumerate(inputs):
        if i in captured:
            _add_into(t, captured[i])


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
    grad_outputs : sequence of Tensor, optional
        The gradient with respect to each output; None for one-element outputs.
    retain_graph : bool, optional
        Keep saved values for another backward pass.
    allow_unused : bool, optional
        Return None (instead of raising) for inputs the outputs do not depend on. Defaults to
        ``materialize_grads``.
    materialize_grads : bool
        Return zeros instead of None for unused inputs.

    Raises
    ------
    RuntimeError
        If an input does not require grad, or (unless ``allow_unused``) was not used.
    ValueError
        If ``materialize_grads=True`` with ``allow_unused=False``.

    Returns
    -------
    tuple of Tensor or None

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> torch.autograd.grad((x ** 2).sum(), x)
    (tensor([6.]),)
    """
    from numbagrad.autograd.graph import run_backward
    from numbagrad.tensor import Tensor

    if create_graph:
        raise NotImplementedError(
            "grad: create_graph=True (higher-order gradients) is not supported by numbagrad"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if grad_outputs is not None:
        grad_outputs = _as_list(grad_outputs)
    _check_inputs(inputs)
    roots = _seed("grad", outputs, grad_outputs)
    targets = {_edge(t): i for i, t in enumerate(inputs)}
    captured = run_backward(roots, bool(retain_graph), capture=targets, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None:
            if materialize_grads:
                result.append(Tensor._make(t._backend().zeros(t._data.shape, t._data.dtype),
                                           t._device))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            if g.dtype != t._data.dtype:
                g = t._backend().astype(g, t._data.dtype)
            result.append(Tensor._make(g, t._device))
    return tuple(result)
