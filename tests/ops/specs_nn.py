"""Specs of ``numbagrad/ops/nn_ops.py``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec

SPECS: list = []
