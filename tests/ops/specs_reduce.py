"""Specs of ``numbagrad/ops/reduce.py``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec

SPECS = [
    Spec("sum", lambda x: x.sum(), lambda x: np.sum(x)),
]
