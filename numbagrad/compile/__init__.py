"""The compiled training step: ``numbagrad.compile`` (torch's ``torch.compile``).

``capture`` records the kernel calls of one eager run (``memory`` records the NumPy work the
CPU backend does in Python), ``codegen`` writes and compiles one ``njit`` function calling
them, ``guards`` decides when it may be reused, ``cache`` keeps the compiled steps of a
function, ``api`` ties them together, ``module`` wraps a compiled Module and ``explain`` prints
what runs.

What is captured now (CPU only): the forward and vjp of ``linear``, ``mse_loss``, ``relu``,
``sigmoid``, ``tanh``, ``exp``, ``neg``, and ``add``/``sub``/``mul`` of same-shape operands or
Python numbers; the seed of ``loss.backward()``; the engine's gradient accumulation; and the
update kernels of the optimizers that step through ``Optimizer._update_all`` (SGD, Adam,
AdamW, RMSprop, Adagrad, ...), whose scalars are read at every call. Any other op, a
broadcasting vjp (its sum ends in NumPy), ``cross_entropy`` (its Python reduction and
denominator), a CUDA tensor, a ``.item()``, a custom ``autograd.Function`` or a hook makes the
call eager, with one warning naming the reason.
"""
from numbagrad.compile.api import CompileFallback, InvalidBackend, compile  # noqa: A004
from numbagrad.compile.explain import explain

__all__ = ["CompileFallback", "InvalidBackend", "compile", "explain"]
