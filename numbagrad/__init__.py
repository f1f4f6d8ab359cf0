"""numbagrad: PyTorch's API on readable Numba kernels.

``import numbagrad as torch`` runs PyTorch tutorial programs. Every public name is listed here.
"""
from numbagrad import _tensor_methods  # noqa: F401 - binds Tensor's methods and operators
from numbagrad import autograd
from numbagrad import utils
from numbagrad._tensor_str import get_printoptions, printoptions, set_printoptions
from numbagrad.autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from numbagrad.creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                                full_like, linspace, normal, ones, ones_like, rand, randint,
                                randn, randperm, tensor, zeros, zeros_like)
from numbagrad.device import device
from numbagrad.dtypes import (bool_ as bool, double, dtype, float, float32, float64,  # noqa: A004
                              get_default_dtype, int, int32, int64, long, promote_types,
                              result_type, set_default_dtype)
from numbagrad.ops.elementwise import (abs, add, clamp, clip, div, divide, eq, exp, ge, gt, le,
                                       leaky_relu, log, logical_not, lt, maximum, minimum, mul,
                                       multiply, ne, neg, negative, pow, relu, sigmoid, sign, sqrt,
                                       square, sub, subtract, tanh, true_divide, where)
# unary math (numbagrad/ops/unary.py)
# binary math (numbagrad/ops/binary.py)
# bitwise, logical, predicates (numbagrad/ops/logic.py)
# activations (numbagrad/ops/activation.py)
from numbagrad.ops.index import gather
from numbagrad.ops.linalg import bmm, matmul, mm
from numbagrad.ops.nn_ops import log_softmax, softmax
from numbagrad.ops.reduce import amax, amin, argmax, argmin, max, mean, min, prod, std, sum, var
from numbagrad.ops.shape import (cat, chunk, clone, flatten, permute, reshape, split, squeeze,
                                 stack, t, transpose, unsqueeze)
from numbagrad.random import Generator, initial_seed, manual_seed, seed
from numbagrad.serialization import load, save
from numbagrad.tensor import Size, Tensor
from numbagrad import cuda, datasets, nn, optim, transforms

__version__ = "0.1.0"
