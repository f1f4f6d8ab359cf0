"""Every op spec, gathered from the per-family modules."""
from tests.ops import (specs_elementwise, specs_index, specs_linalg, specs_nn, specs_reduce,
                       specs_shape)

SPECS = (specs_elementwise.SPECS + specs_reduce.SPECS + specs_shape.SPECS + specs_index.SPECS
         + specs_linalg.SPECS + specs_nn.SPECS)
BY_NAME = {s.name: s for s in SPECS}
