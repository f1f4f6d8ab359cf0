"""Specs of the unary ops (``numbagrad/ops/unary.py``)."""
import numpy as np  # noqa: F401

import numbagrad as ng  # noqa: F401
from tests.ops.spec import Spec  # noqa: F401

SPECS: list = []
