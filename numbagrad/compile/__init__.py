"""The compiled training step: ``numbagrad.compile`` (torch's ``torch.compile``).

``capture`` records the kernel calls of one eager run (``memory`` records the NumPy work the
CPU backend does in Python), ``codegen`` writes and compiles one ``njit`` function calling
them, ``guards`` decides when it may be reused, ``cache`` keeps the compiled steps of a
function, ``api`` ties them together, ``module`` wraps a compiled Module and ``explain`` prints
what runs.

What is captured now (CPU only): the forward and vjp of ``linear``, ``mm``/``matmul`` (2-D
operands; batched products, whose index arrays are made in NumPy, run eagerly), ``mse_loss``,
``cross_entropy``/``nll_loss`` (class-index targets, an ``(N, C)`` input, no class weights or
label smoothing, reduction ``"mean"`` or ``"sum"``; ``loss_tail`` computes the denominator in the
step), ``softmax``/``log_softmax``, ``conv2d``, ``max_pool2d``, ``relu``, ``sigmoid``, ``tanh``,
``exp``, ``neg``, ``sum``/``mean`` (all elements or over dims), and ``add``/``sub``/``mul`` of
same-shape or broadcast operands or Python numbers (the vjps sum the broadcast away: the
sum's NumPy ends are recorded as a fill and a conversion); views such as ``flatten`` cost no
kernel. Also the seed of ``loss.backward()``, the engine's gradient accumulation, and the
update kernels of the optimizers that step through ``Optimizer._update_all`` (SGD, Adam,
AdamW, RMSprop, Adagrad, ...), whose scalars are read at every call. Any other op, a CUDA
tensor, a ``.item()``, a custom ``autograd.Function`` or a hook makes the call eager, with one
warning naming the reason.
"""
from numbagrad.compile.api import CompileFallback, InvalidBackend, compile  # noqa: A004
from numbagrad.compile.explain import explain

__all__ = ["CompileFallback", "InvalidBackend", "compile", "explain"]
