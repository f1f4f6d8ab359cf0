"""The CPU backend: Numba ``njit`` kernels over NumPy arrays.

Each family module (``elementwise``, ``reduce``, ``linalg``, ``shape``, ``index``) has a twin of
the same name in ``backends/cuda``; this namespace is what ops receive as ``be``.
"""
from numbagrad.backends.cpu import _malloc

_malloc.keep_freed_memory()  # before the first array of an op: see _malloc

from numbagrad.backends.cpu.elementwise import broadcast_shape, map  # noqa: A004
from numbagrad.backends.cpu.conv import (avg_pool2d, avg_pool2d_backward, conv2d,
                                         conv2d_backward_bias, conv2d_backward_input,
                                         conv2d_backward_weight, max_pool2d,
                                         max_pool2d_backward)
from numbagrad.backends.cpu.linalg import linear_backward, matmul
from numbagrad.backends.cpu.loss import cross_entropy, cross_entropy_vjp, unit_range_check
from numbagrad.backends.cpu.memory import (assign, astype, contiguous, copy, empty, from_host,
                                           full, to_host, zeros)
from numbagrad.backends.cpu.nn import log_softmax, log_softmax_vjp, softmax, softmax_vjp
from numbagrad.backends.cpu.rnn import (gru_layer, gru_layer_vjp, lstm_layer, lstm_layer_vjp,
                                         rnn_layer, rnn_layer_vjp)
from numbagrad.backends.cpu.reduce import (max, map_sum, max_vjp, min, prod,  # noqa: A004
                                            prod_vjp, sum)
from numbagrad.backends.cpu.scan import (cummax, cummax_vjp, cumprod, cumprod_vjp, cumsum,
                                         logcumsumexp, logcumsumexp_vjp)
from numbagrad.backends.cpu.index import (embedding_freq_scale, embedding_grad, embedding_rows,
                                          gather, put, put_add, scatter_add, scatter_reduce,
                                          take)
from numbagrad.backends.cpu.sort import sort, topk
from numbagrad.backends.cpu.svd import svd
from numbagrad.backends.cpu.shape import basic_index, cat, expand, permute, reshape
from numbagrad.backends.cpu.pad import pad, pad_backward
from numbagrad.backends.cpu.pooling import (interp, interp_backward, pool_avg,
                                            pool_avg_backward, pool_max, pool_max_backward)
from numbagrad.backends.cpu.fold import col2im, im2col
from numbagrad.backends.cpu.diagonal import diagonal, triangle, unfold, unfold_backward
from numbagrad.backends.cpu.normalization import normalization, normalization_vjp
from numbagrad.backends.cpu.counting import bincount, histc, searchsorted, unique_rows
from numbagrad.backends.cpu.ctc import ctc_loss, ctc_loss_vjp
from numbagrad.backends.cpu.attention import (scaled_dot_product_attention,
    scaled_dot_product_attention_vjp)

__all__ = ["cross_entropy", "cross_entropy_vjp",
           "ctc_loss", "ctc_loss_vjp",
           "scaled_dot_product_attention", "scaled_dot_product_attention_vjp",
           "normalization", "normalization_vjp",
           "pad", "pad_backward", "col2im", "im2col",
           "interp", "interp_backward", "pool_avg", "pool_avg_backward", "pool_max",
           "pool_max_backward",
           "bincount", "histc", "searchsorted", "unique_rows",
           "basic_index", "cat", "embedding_freq_scale", "embedding_grad", "embedding_rows",
           "expand", "gather", "permute", "put", "put_add",
           "reshape", "scatter_add", "scatter_reduce", "take", "sort", "topk", "svd",
           "assign", "astype", "broadcast_shape", "contiguous", "copy", "empty", "from_host",
           "full", "linear_backward", "log_softmax", "log_softmax_vjp", "map", "matmul",
           "softmax", "softmax_vjp",
           "sum", "to_host", "unit_range_check", "zeros",
           "map_sum", "max", "max_vjp", "min", "prod", "prod_vjp",
           "avg_pool2d", "avg_pool2d_backward", "conv2d", "conv2d_backward_bias",
           "conv2d_backward_input", "conv2d_backward_weight", "max_pool2d",
           "max_pool2d_backward",
           "lstm_layer", "lstm_layer_vjp", "rnn_layer", "rnn_layer_vjp",
           "gru_layer", "gru_layer_vjp",
           "cummax", "cummax_vjp", "cumprod", "cumprod_vjp", "cumsum", "logcumsumexp",
           "logcumsumexp_vjp",
           "diagonal", "triangle", "unfold", "unfold_backward"]
