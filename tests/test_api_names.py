"""The torch names that tutorial programs use exist in numbagrad, where torch has them.

Each list is a family of torch's public API that numbagrad provides. A name here that numbagrad
lacks fails the test; with torch installed, a name that torch itself lacks fails too (so the
lists stay torch's names, not ours).
"""
import pytest

import numbagrad

UNARY = ("sin cos tan asin arcsin acos arccos atan arctan sinh cosh tanh asinh arcsinh acosh "
         "arccosh atanh arctanh exp exp2 expm1 log log2 log10 log1p sqrt rsqrt reciprocal floor "
         "ceil round trunc fix frac erf erfc erfinv sign sgn logit nan_to_num deg2rad rad2deg "
         "signbit positive abs absolute neg negative square sigmoid i0").split()
BINARY = ("add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow "
          "float_power atan2 arctan2 copysign logaddexp logaddexp2 hypot xlogy fmax fmin "
          "maximum minimum lerp addcmul addcdiv clamp clip clamp_min clamp_max").split()
LOGIC = ("bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift "
         "logical_and logical_or logical_xor logical_not isnan isinf isposinf isneginf isfinite "
         "isreal isclose allclose equal eq ne lt le gt ge greater greater_equal less less_equal "
         "not_equal").split()
TOP_LEVEL_ONLY = ("is_tensor is_floating_point is_nonzero numel promote_types result_type "
                  "can_cast finfo iinfo get_default_dtype set_default_dtype rand_like "
                  "randn_like randint_like empty_like full_like zeros_like ones_like arange "
                  "linspace logspace FloatTensor DoubleTensor LongTensor IntTensor BoolTensor "
                  "ByteTensor half float16 int8 uint8 int16 short").split()
METHOD_ONLY = ("type half short byte char new_zeros new_ones new_full new_empty new_tensor "
               "__floordiv__ __rfloordiv__ __ifloordiv__ __mod__ __rmod__ __imod__ __and__ "
               "__rand__ __iand__ __or__ __ror__ __ior__ __xor__ __rxor__ __ixor__ __invert__ "
               "__lshift__ __rlshift__ __ilshift__ __rshift__ __rrshift__ __irshift__ __ipow__ "
               "__bool__ __index__ __format__").split()
FUNCTIONAL = ("gelu silu mish elu celu selu softplus softsign hardtanh relu6 hardsigmoid "
              "hardswish logsigmoid tanhshrink hardshrink softshrink threshold rrelu prelu glu "
              "softmin relu leaky_relu sigmoid tanh softmax log_softmax").split()
MODULES = ("GELU SiLU Mish ELU CELU SELU Softplus Softsign Hardtanh ReLU6 Hardsigmoid Hardswish "
           "LogSigmoid Tanhshrink Hardshrink Softshrink Threshold RReLU PReLU GLU Softmin").split()
# Reductions, scans, sorting, rearranging and masked/index ops (both function and method).
SHAPE_AND_INDEX = ("all any count_nonzero logsumexp nansum nanmean aminmax cumsum cumprod cummax "
                   "cummin logcumsumexp sort argsort msort topk kthvalue tile flip fliplr flipud "
                   "roll rot90 narrow unbind movedim moveaxis swapaxes swapdims broadcast_to "
                   "tensor_split hsplit vsplit dsplit unflatten masked_fill masked_select "
                   "index_select take take_along_dim nonzero argwhere scatter scatter_add "
                   "index_add index_fill index_copy").split()
FUNCTION_ONLY = ("hstack vstack dstack column_stack row_stack atleast_1d atleast_2d atleast_3d "
                 "broadcast_tensors meshgrid std_mean var_mean").split()
# Diagonals, triangles and repeat_interleave (both function and method).
DIAGONALS = "diagonal diag_embed diag diagflat trace tril triu repeat_interleave".split()
# Math that torch offers as a method and, in place, as ``name_``.
IN_PLACE = ("sin cos tan asin acos atan sinh cosh asinh acosh atanh exp exp2 expm1 log log2 log10 "
            "log1p sqrt rsqrt reciprocal floor ceil round trunc fix frac erf erfc erfinv sign "
            "sgn logit nan_to_num deg2rad rad2deg abs absolute neg negative square sigmoid tanh "
            "i0 add sub mul div pow floor_divide remainder fmod atan2 arctan2 copysign hypot "
            "xlogy lerp addcmul addcdiv float_power clamp clip bitwise_and bitwise_or "
            "bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift logical_and "
            "logical_or logical_xor logical_not eq ne lt le gt ge").split()

CASES = ([("torch", n) for n in UNARY + BINARY + LOGIC + TOP_LEVEL_ONLY + SHAPE_AND_INDEX
          + FUNCTION_ONLY]
         + [("Tensor", n) for n in UNARY + BINARY + LOGIC + METHOD_ONLY + SHAPE_AND_INDEX
            + ["repeat"]]
         + [("Tensor", n + "_") for n in IN_PLACE + "cumsum cumprod masked_fill scatter "
            "scatter_add index_add index_fill index_copy".split()]
         + [("nn.functional", n) for n in FUNCTIONAL] + [("nn", n) for n in MODULES]
         + [(w, n) for n in DIAGONALS for w in ("torch", "Tensor")]
         + [("torch", "tril_indices"), ("torch", "triu_indices"), ("Tensor", "unfold"),
            ("Tensor", "tril_"), ("Tensor", "triu_")])
# Order statistics and norms (function and method), and ``linalg``'s norms.
CASES += [(w, n) for w in ("torch", "Tensor") for n in "median nanmedian mode norm".split()]
CASES += [("linalg", n) for n in "norm vector_norm matrix_norm matmul svdvals".split()]
# Sorting and counting: functions and methods, and two functions torch has no method for.
CASES += [(w, n) for w in ("torch", "Tensor")
          for n in "unique unique_consecutive bincount histc".split()]
CASES += [("torch", "searchsorted"), ("torch", "bucketize")]
# The compiled step (numbagrad/compile/) and torch.compiler.
CASES += [("torch", "compile"), ("compiler", "is_compiling"), ("compiler", "reset")]
# Writes at indexed positions: functions, methods and in-place forms.
CASES += [(w, n) for w in ("torch", "Tensor")
          for n in "index_put masked_scatter put scatter_reduce".split()]
CASES += [("Tensor", n + "_") for n in "index_put masked_scatter put scatter_reduce".split()]
# Normalisation layers and their functional forms.
CASES += [("nn", n) for n in ("BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm GroupNorm "
                              "InstanceNorm1d InstanceNorm2d InstanceNorm3d "
                              "LocalResponseNorm").split()]
CASES += [("nn.functional", n) for n in ("batch_norm layer_norm group_norm instance_norm "
                                         "local_response_norm normalize").split()]
# Convolutions in one, two and three dimensions, and transposed.
CASES += [("nn", n) for n in "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d "
          "ConvTranspose3d".split()]
CASES += [("nn.functional", n) for n in "conv1d conv2d conv3d conv_transpose1d conv_transpose2d "
          "conv_transpose3d".split()]
# Padding and sliding blocks.
CASES += [("nn.functional", n) for n in "pad unfold fold".split()]
# Pooling, unpooling, resampling and the padding and reshaping layers.
CASES += [("nn", n) for n in (
    "MaxPool1d MaxPool3d AvgPool1d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d "
    "AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d MaxUnpool1d "
    "MaxUnpool2d LPPool1d LPPool2d Upsample UpsamplingNearest2d UpsamplingBilinear2d "
    "PixelShuffle PixelUnshuffle Flatten Unflatten Fold Unfold ZeroPad1d ZeroPad2d ZeroPad3d "
    "ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d ReflectionPad3d "
    "ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d "
    "CircularPad3d").split()]
CASES += [("nn.functional", n) for n in (
    "max_pool1d max_pool3d avg_pool1d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d "
    "adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d "
    "max_unpool1d max_unpool2d lp_pool1d lp_pool2d interpolate upsample upsample_nearest "
    "upsample_bilinear pixel_shuffle pixel_unshuffle").split()]
# Products: functions and methods, in-place forms, and functions torch has no method for.
CASES += [(w, n) for w in ("torch", "Tensor")
          for n in "dot vdot mv outer ger addmm addmv addbmm baddbmm kron cross".split()]
CASES += [("Tensor", n + "_") for n in "addmm addmv addbmm baddbmm".split()]
CASES += [("torch", n) for n in "einsum tensordot cdist".split()]
# Optimizers, learning-rate schedulers and the gradient utilities of nn.utils.
CASES += [("optim", n) for n in ("SGD Adam AdamW RMSprop Adagrad Adadelta Adamax NAdam RAdam "
                                 "ASGD Rprop LBFGS Optimizer").split()]
CASES += [("optim.lr_scheduler", n) for n in (
    "LRScheduler LambdaLR MultiplicativeLR StepLR MultiStepLR ConstantLR LinearLR ExponentialLR "
    "PolynomialLR CosineAnnealingLR ChainedScheduler SequentialLR ReduceLROnPlateau CyclicLR "
    "OneCycleLR CosineAnnealingWarmRestarts").split()]
CASES += [("nn.utils", n) for n in ("clip_grad_norm_ clip_grad_norm clip_grad_value_ "
                                    "get_total_norm clip_grads_with_norm_ parameters_to_vector "
                                    "vector_to_parameters").split()]
# Recurrent layers, cells and sequence packing.
CASES += [("nn", n) for n in "RNN LSTM GRU RNNBase RNNCell LSTMCell GRUCell RNNCellBase".split()]
CASES += [("nn.utils.rnn", n) for n in ("PackedSequence pad_sequence pack_padded_sequence "
                                        "pad_packed_sequence pack_sequence unpad_sequence "
                                        "unpack_sequence invert_permutation").split()]

# Embeddings, dropout variants and the container and module API.
CASES += [("nn", n) for n in ("Embedding EmbeddingBag Dropout1d Dropout2d Dropout3d AlphaDropout "
                              "FeatureAlphaDropout ParameterList ParameterDict").split()]
CASES += [("nn.functional", n) for n in ("embedding embedding_bag one_hot dropout1d dropout2d "
                                         "dropout3d alpha_dropout feature_alpha_dropout").split()]
CASES += [("nn.Module", n) for n in ("register_full_backward_hook get_parameter get_buffer "
                                     "register_module register_full_backward_pre_hook").split()]
CASES += [("utils.hooks", "RemovableHandle")]
# Losses, their functional forms, and the distances they use.
CASES += [("nn", n) for n in ("SmoothL1Loss HuberLoss KLDivLoss PoissonNLLLoss GaussianNLLLoss "
                              "CosineEmbeddingLoss MarginRankingLoss HingeEmbeddingLoss "
                              "TripletMarginLoss TripletMarginWithDistanceLoss MultiMarginLoss "
                              "MultiLabelMarginLoss MultiLabelSoftMarginLoss SoftMarginLoss "
                              "CTCLoss PairwiseDistance CosineSimilarity").split()]
CASES += [("nn.functional", n) for n in (
    "smooth_l1_loss huber_loss kl_div poisson_nll_loss gaussian_nll_loss cosine_embedding_loss "
    "margin_ranking_loss hinge_embedding_loss triplet_margin_loss "
    "triplet_margin_with_distance_loss multi_margin_loss multilabel_margin_loss "
    "multilabel_soft_margin_loss soft_margin_loss ctc_loss cosine_similarity "
    "pairwise_distance pdist").split()]

# Attention and transformers.
CASES += [("nn.functional", n) for n in ("scaled_dot_product_attention "
                                         "multi_head_attention_forward").split()]
CASES += [("nn", n) for n in ("MultiheadAttention Transformer TransformerEncoder "
                              "TransformerEncoderLayer TransformerDecoder "
                              "TransformerDecoderLayer").split()]
# Process-wide namespaces and switches, data loading and initialisation.
CASES += [("torch", n) for n in ("set_default_device get_default_device get_num_threads "
                                 "set_num_threads use_deterministic_algorithms "
                                 "are_deterministic_algorithms_enabled is_anomaly_enabled "
                                 "inference_mode enable_grad set_grad_enabled").split()]
CASES += [("accelerator", n) for n in "is_available current_accelerator device_count".split()]
CASES += [("backends.cudnn", n) for n in "benchmark deterministic enabled is_available".split()]
CASES += [("backends.mps", "is_available")]
CASES += [("autograd", n) for n in "set_detect_anomaly detect_anomaly".split()]
CASES += [("utils.data", n) for n in ("WeightedRandomSampler SubsetRandomSampler BatchSampler "
                                      "RandomSampler SequentialSampler Subset ConcatDataset "
                                      "random_split default_collate get_worker_info "
                                      "DataLoader").split()]
CASES += [("nn.init", n) for n in ("uniform_ normal_ constant_ ones_ zeros_ eye_ dirac_ "
                                   "xavier_uniform_ xavier_normal_ kaiming_uniform_ "
                                   "kaiming_normal_ trunc_normal_ orthogonal_ sparse_ "
                                   "calculate_gain _calculate_fan_in_and_fan_out").split()]
# DLPack exchange with torch, NumPy and other array libraries.
CASES += [("torch", "from_dlpack"), ("torch", "to_dlpack"), ("Tensor", "__dlpack__"),
          ("Tensor", "__dlpack_device__")]
CASES += [("utils.dlpack", n) for n in "from_dlpack to_dlpack DLDeviceType".split()]
# Random numbers: torch's CPU generator, its functions and the random in-place methods.
CASES += [("torch", n) for n in ("Generator default_generator manual_seed seed initial_seed "
                                 "get_rng_state set_rng_state bernoulli multinomial normal rand "
                                 "randn randint randperm").split()]
CASES += [("random", n) for n in ("manual_seed seed initial_seed get_rng_state set_rng_state "
                                  "fork_rng").split()]
CASES += [("Tensor", n) for n in ("uniform_ normal_ random_ bernoulli_ bernoulli exponential_ "
                                  "cauchy_ log_normal_ geometric_").split()]


def _lookup(lib, where: str, name: str):
    owner = {"torch": lib, "Tensor": lib.Tensor, "nn": lib.nn,
             "nn.functional": lib.nn.functional, "linalg": lib.linalg}.get(where)
    if owner is None:  # a dotted submodule path: optim, optim.lr_scheduler, nn.utils
        owner = lib
        for part in where.split("."):
            owner = getattr(owner, part)
    return getattr(owner, name, None)


@pytest.mark.parametrize("where,name", CASES, ids=[f"{w}.{n}" for w, n in CASES])
def test_torch_name_exists(where, name):
    assert _lookup(numbagrad, where, name) is not None, f"numbagrad lacks {where}.{name}"


def test_the_lists_are_torch_names():
    torch = pytest.importorskip("torch")
    missing = [f"{w}.{n}" for w, n in CASES if _lookup(torch, w, n) is None]
    assert not missing, missing
