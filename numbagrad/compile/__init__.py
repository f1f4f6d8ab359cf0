"""The compiled training step: ``numbagrad.compile`` (torch's ``torch.compile``).

How a call becomes one ``njit`` function, module by module:

* ``capture`` records the kernel calls of one eager run; ``memory`` and ``loss_tail`` record
  the NumPy work the CPU backend does in Python (fills, copies, index offsets, the loss's
  Python end) as calls too, ``random_capture`` the random draws, ``collect`` the optimizers'
  scalars;
* ``rolling`` turns a Python loop of identical steps into one loop, ``liveness`` lets a value
  be computed where a copy would have put it, ``fusion`` merges chains of elementwise kernels
  into one loop;
* ``codegen`` writes and compiles the function (``cache`` keeps it on disk), ``guards`` decides
  when it may be reused, ``api`` ties them together, ``module`` wraps a compiled Module,
  ``explain`` prints what runs.

What is captured (CPU only) is listed op by op in ``covered``; anything else (an op without a
compiled form, a CUDA tensor, a ``.item()``, a custom ``autograd.Function``, a hook) makes the
call eager, with one warning naming the reason.
"""
from numbagrad.compile.api import CompileFallback, InvalidBackend, compile  # noqa: A004
from numbagrad.compile.explain import explain

__all__ = ["CompileFallback", "InvalidBackend", "compile", "explain"]
