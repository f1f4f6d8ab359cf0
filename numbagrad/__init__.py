"""numbagrad: PyTorch's API on readable Numba kernels.

``import numbagrad as torch`` runs PyTorch tutorial programs. Every public name is listed here.
"""
from numbagrad import _tensor_methods  # noqa: F401 - binds Tensor's methods and operators
from numbagrad import autograd
from numbagrad import utils
from numbagrad._tensor_str import get_printoptions, printoptions, set_printoptions
from numbagrad.autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from numbagrad.creation import as_tensor, empty, eye, from_numpy, full, ones, tensor, zeros
from numbagrad.dlpack import from_dlpack, to_dlpack
from numbagrad.like import (empty_like, full_like, ones_like, rand_like, randint_like, randn_like,
                            zeros_like)
from numbagrad.ranges import arange, linspace, logspace
from numbagrad.sampling import bernoulli, multinomial, normal, rand, randint, randn, randperm
from numbagrad.device import device
from numbagrad.dtypes import (bfloat16, bool_ as bool, can_cast, double, dtype,  # noqa: A004
                              finfo, float, float16, float32, float64, get_default_dtype, half,
                              iinfo, int, int8, int16, int32, int64, long, promote_types,
                              result_type, set_default_dtype, short, uint8)
from numbagrad.ops.elementwise import (abs, absolute, add, clamp, clamp_max, clamp_min, clip,
                                       div, divide, exp,
                                       leaky_relu, log, mul, multiply, neg, negative, pow, relu,
                                       sigmoid, sign, sqrt, square, sub, subtract, tanh,
                                       true_divide, where)
from numbagrad.ops.comparison import (eq, ge, greater, greater_equal, gt, le, less, less_equal,
                                      logical_not, lt, maximum, minimum, ne, not_equal)
from numbagrad.ops.unary import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh,
                                 asin, asinh, atan, atanh, ceil, cos, cosh, deg2rad, erf, erfc,
                                 erfinv, exp2, expm1, fix, floor, frac, i0, log10, log1p, log2,
                                 logit, nan_to_num, positive, rad2deg, reciprocal, round, rsqrt,
                                 sgn, signbit, sin, sinh, tan, trunc)
from numbagrad.ops.binary import (addcdiv, addcmul, arctan2, atan2, clamp_, clamp_max_,
                                  clamp_min_, clip_, copysign,
                                  float_power, fmax, fmin, hypot, lerp, logaddexp, logaddexp2,
                                  xlogy, xlogy_)
from numbagrad.ops.division import floor_divide, fmod, remainder
from numbagrad.ops.bitwise import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                                   bitwise_right_shift, bitwise_xor, logical_and, logical_or,
                                   logical_xor)
from numbagrad.ops.logic import (allclose, equal, is_floating_point, is_nonzero, is_tensor, isclose,
                                 isfinite, isinf, isnan, isneginf, isposinf, isreal, numel)
from numbagrad.ops.activation import (celu, celu_, hardshrink, prelu, rrelu, rrelu_, selu, selu_,
                                      threshold, threshold_)
from numbagrad.ops.rearrange import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,
                                     broadcast_tensors, broadcast_to, column_stack, dsplit,
                                     dstack, flip, fliplr, flipud, hsplit, hstack, meshgrid,
                                     moveaxis, movedim, narrow, roll, rot90, row_stack, swapaxes,
                                     swapdims, tensor_split, tile, unbind, unflatten, vsplit,
                                     vstack)
from numbagrad.ops.statistics import (all, any, aminmax, count_nonzero, logsumexp, nanmean,
                                      nansum, std_mean, var_mean)
from numbagrad.ops.masked import (argwhere, index_add, index_copy, index_fill, index_select,
                                  masked_fill, masked_select, nonzero, scatter, scatter_add,
                                  take, take_along_dim)
from numbagrad.ops.sort import argsort, kthvalue, msort, sort, topk
from numbagrad.ops.scan import cummax, cummin, cumprod, cumsum, logcumsumexp
from numbagrad.ops.diagonal import (diag, diag_embed, diagflat, diagonal, trace, tril, tril_indices,
                                    triu, triu_indices)
from numbagrad.ops.repeat import repeat_interleave
from numbagrad.ops.norm import norm
from numbagrad.ops.median import median, mode, nanmedian
from numbagrad.ops.products import (addbmm, addmm, addmv, baddbmm, cdist, cross, dot, einsum, ger,
                                    kron, mv, outer, tensordot, vdot)
from numbagrad.ops.counting import (bincount, bucketize, histc, searchsorted, unique,
                                     unique_consecutive)
from numbagrad.ops.scatter import index_put, masked_scatter, put, scatter_reduce
from numbagrad.ops.index import gather
from numbagrad.ops.linalg import bmm, matmul, mm
from numbagrad.ops.nn_ops import log_softmax, softmax
from numbagrad.ops.reduce import amax, amin, argmax, argmin, max, mean, min, prod, std, sum, var
from numbagrad.ops.shape import (cat, chunk, clone, flatten, permute, reshape, split, squeeze,
                                 stack, t, transpose, unsqueeze)
from numbagrad.random import (Generator, default_generator, get_rng_state, initial_seed,
                              manual_seed, seed, set_rng_state)
from numbagrad import random  # noqa: F401 - torch.random (fork_rng, get_rng_state...)
from numbagrad.serialization import load, save
from numbagrad.tensor import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                              HalfTensor, IntTensor, LongTensor, ShortTensor, Size, Tensor)
from numbagrad import cuda, datasets, nn, optim, transforms
from numbagrad import linalg  # noqa: E402 - after the ops it names
from numbagrad import accelerator
from numbagrad.compile import compile  # noqa: E402,A004 - torch.compile (numbagrad/compile/)
from numbagrad import compiler  # noqa: E402 - torch.compiler
from numbagrad.autograd.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled
from numbagrad.backends import cudnn as _cudnn, mps as _mps  # noqa: F401 - torch.backends.*
from numbagrad.settings import (are_deterministic_algorithms_enabled, get_default_device,
                                get_num_threads, is_deterministic_algorithms_warn_only_enabled,
                                set_default_device, set_flush_denormal, set_num_threads,
                                use_deterministic_algorithms)

__version__ = "0.1.0"
