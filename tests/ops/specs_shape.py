"""Specs of ``numbagrad/ops/shape.py``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec

SPECS = [
    Spec("clone", ng.clone, np.copy),
]
