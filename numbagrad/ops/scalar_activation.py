"""Scalar formulas of the activation ops (see ``ops/scalar.py`` for the conventions), each with its
derivative just below it."""
import math  # noqa: F401
