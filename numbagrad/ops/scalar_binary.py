"""Scalar formulas of the binary ops (see ``ops/scalar.py`` for the conventions), each with its
derivative just below it."""
import math  # noqa: F401
