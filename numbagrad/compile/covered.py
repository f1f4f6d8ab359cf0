"""The registry ops a compiled step may capture, by family.

An op is listed once its eager path (the op's forward and vjp, and the backend functions they
call) was read and found to do all its arithmetic in kernels or in the memory functions that a
recording sees (``memory.py``, ``loss_tail.py``), and once its specs ran through a compiled step
with inputs that change between calls and gave eager mode's bits (``tests/compile/``).
Replaying the kernels of such an op on the same buffers recomputes it.

Why a list rather than trusting the recording alone: each capture checks that every array a
kernel reads was written by an earlier recorded call or belongs to the step's known tensors
(``Recorder.check``), which catches a value an op computed in NumPy; but a scalar an op
computes in Python from an array's values and hands to a kernel would be replayed as a stale
constant, and only reading the op rules that out.
"""

# Elementwise: unary, binary, comparison and activation ops.
ELEMENTWISE = frozenset({
    # Every one is a map kernel over its operands (a Python number becomes a recorded fill), its
    # vjp map kernels, the serial sum that undoes broadcasting, and recorded zeros or casts.
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "celu",
    "clamp", "clamp_max", "clamp_min", "copysign", "cos", "cosh", "div", "div_floor",
    "div_trunc", "elu", "eq", "erf", "erfc", "erfinv", "exp", "exp2", "expm1", "floor",
    "floor_divide", "fmax", "fmin", "fmod", "frac", "ge", "gelu", "gelu_tanh", "gt",
    "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "hypot", "i0", "le", "leaky_relu",
    "lerp", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "logical_not", "logit",
    "logsigmoid", "lt", "maximum", "minimum", "mish", "mul", "nan_to_num", "ne", "neg", "pow",
    "prelu", "reciprocal", "relu", "remainder", "round", "round_decimals", "rsqrt", "selu",
    "sigmoid", "sign", "signbit", "silu", "sin", "sinh", "softplus", "softshrink", "sqrt", "sub",
    "tan", "tanh", "threshold", "to_copy", "trunc", "where", "xlogy",
    # Without gradients: logic and bitwise ops.
    "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf",
    "logical_and", "logical_or", "logical_xor",
})

# Reductions, scans, sorting, norms, products and linear algebra.
REDUCTIONS = frozenset({
    "sum", "mean", "prod", "amax", "amin", "max", "min", "cumsum", "cumprod", "cummax",
    "cummin", "logcumsumexp", "sort", "vector_norm", "svdvals", "mm", "matmul", "bmm",
})

# Shapes, views, indexing, masking, diagonals and scatter/gather.
SHAPE_INDEX = frozenset({
    # Views run no kernel (their consumers read the buffer they share); copies, concatenation
    # and reshapes that copy are recorded copies. ``index``/``index_put`` compile where their
    # offsets come from shapes (flip, roll, basic keys); ``x[idx]`` with integer index tensors
    # computes its offsets in the step from the indices (memory.index_wrappers); other offsets
    # computed on the host from an index's values (masks, lists, writes) are refused by the
    # capture. gather and the scatters compute theirs from the index in the step, with a range
    # check there.
    "clone", "reshape", "permute", "expand", "slice", "cat", "index", "index_put", "gather",
    "diagonal", "diag_embed", "tril", "triu", "unfold", "scatter_add", "scatter_reduce",
})

# Layers and losses: convolution, pooling, normalization, recurrent layers, attention,
# embedding, padding, interpolation and the loss functions.
NN = frozenset({
    "linear", "mse_loss", "cross_entropy", "nll_loss", "conv2d", "max_pool2d", "softmax",
    "log_softmax",
    "conv_transpose2d", "avg_pool2d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
    "adaptive_max_pool3d", "interpolate", "pad", "im2col", "col2im", "normalization",
    "scaled_dot_product_attention", "rnn_tanh_layer", "rnn_relu_layer", "gru_layer",
    "binary_cross_entropy_with_logits", "lstm_layer",
    # The lookup's kernels read the index (its range check, the rows, padding_idx and the
    # frequencies of scale_grad_by_freq) in the step.
    "embedding",
    # Its [0, 1] range check of input and target is a kernel in the op's forward.
    "binary_cross_entropy",
    # Its lengths and padded (N, S) targets are checked by kernels over their own arrays, and
    # its buffers are S wide (a shape); concatenated 1-D targets are padded in NumPy to the
    # longest target (a value): the capture refuses the padded array.
    "ctc_loss",
})

COVERED = ELEMENTWISE | REDUCTIONS | SHAPE_INDEX | NN
