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
    "add", "sub", "mul", "neg", "relu", "sigmoid", "tanh", "exp",
})

# Reductions, scans, sorting, norms, products and linear algebra.
REDUCTIONS = frozenset({
    "sum", "mean", "mm", "matmul",
})

# Shapes, views, indexing, masking, diagonals and scatter/gather.
SHAPE_INDEX = frozenset({
})

# Layers and losses: convolution, pooling, normalization, recurrent layers, attention,
# embedding, padding, interpolation and the loss functions.
NN = frozenset({
    "linear", "mse_loss", "cross_entropy", "nll_loss", "conv2d", "max_pool2d", "softmax",
    "log_softmax",
})

COVERED = ELEMENTWISE | REDUCTIONS | SHAPE_INDEX | NN
