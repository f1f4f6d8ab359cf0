"""Specs of ``numbagrad/ops/linalg.py``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec

SPECS: list = []
