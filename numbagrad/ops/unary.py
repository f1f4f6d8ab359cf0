"""Unary math: trigonometric, hyperbolic, exponential and logarithmic functions, rounding, error functions.

Formulas and their derivatives live in ``ops/scalar_unary.py``; each op is registered here in one
line and its public function follows. ``METHODS`` lists the Tensor methods, in-place forms and
operators of this family; ``numbagrad/_tensor_methods.py`` binds them.
"""
from __future__ import annotations

METHODS: dict = {}
