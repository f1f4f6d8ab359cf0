"""Every op spec, gathered from the per-family modules."""
from tests.ops import (specs_activation, specs_binary, specs_conv, specs_diagonal,
                       specs_elementwise, specs_index,
                       specs_linalg, specs_logic, specs_loss, specs_masked, specs_nn,
                       specs_rearrange, specs_reduce, specs_rnn, specs_scan, specs_shape,
                       specs_sort, specs_statistics, specs_unary)
from tests.ops import specs_median, specs_norm
from tests.ops import specs_pad
from tests.ops import specs_pooling
from tests.ops import specs_normalization
from tests.ops import specs_products
from tests.ops import specs_scatter
from tests.ops import specs_embedding

SPECS = (specs_elementwise.SPECS + specs_unary.SPECS + specs_binary.SPECS + specs_logic.SPECS
         + specs_activation.SPECS + specs_reduce.SPECS + specs_statistics.SPECS
         + specs_scan.SPECS + specs_sort.SPECS + specs_shape.SPECS + specs_rearrange.SPECS
         + specs_index.SPECS + specs_masked.SPECS + specs_linalg.SPECS + specs_nn.SPECS
         + specs_conv.SPECS + specs_rnn.SPECS + specs_loss.SPECS
         + specs_diagonal.SPECS)
SPECS = SPECS + specs_norm.SPECS + specs_median.SPECS
SPECS = SPECS + specs_products.SPECS
SPECS = SPECS + specs_scatter.SPECS
SPECS = SPECS + specs_embedding.SPECS
SPECS = SPECS + specs_pad.SPECS
SPECS = SPECS + specs_pooling.SPECS
SPECS = SPECS + specs_normalization.SPECS
from tests.ops import specs_attention  # noqa: E402
SPECS = SPECS + specs_attention.SPECS
BY_NAME = {s.name: s for s in SPECS}
