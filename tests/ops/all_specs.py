"""Every op spec, gathered from the per-family modules."""
from tests.ops import (specs_conv, specs_elementwise, specs_index, specs_linalg, specs_nn,
                       specs_reduce, specs_rnn, specs_shape)
from tests.ops import specs_loss

SPECS = (specs_elementwise.SPECS + specs_reduce.SPECS + specs_shape.SPECS + specs_index.SPECS
         + specs_linalg.SPECS + specs_nn.SPECS + specs_conv.SPECS
         + specs_rnn.SPECS + specs_loss.SPECS)
BY_NAME = {s.name: s for s in SPECS}
