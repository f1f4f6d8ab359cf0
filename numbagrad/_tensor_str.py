"""How tensors print: torch's format."""
from __future__ import annotations


def tensor_repr(t) -> str:
    """``tensor([...], requires_grad=True)`` as torch prints it."""
    import numpy as np

    body = np.array2string(np.asarray(t), separator=", ", precision=4, prefix="tensor(")
    suffix = ""
    if t.grad_fn is not None:
        suffix = f", grad_fn=<{t.grad_fn.name()}>"
    elif t.requires_grad:
        suffix = ", requires_grad=True"
    return f"tensor({body}{suffix})"
