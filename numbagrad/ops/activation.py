"""Activation functions (gelu, silu, elu, softplus, ...), used by numbagrad.nn.functional and nn's modules.

Formulas and their derivatives live in ``ops/scalar_activation.py``; each op is registered here in one
line and its public function follows. ``METHODS`` lists the Tensor methods, in-place forms and
operators of this family; ``numbagrad/_tensor_methods.py`` binds them.
"""
from __future__ import annotations

METHODS: dict = {}
