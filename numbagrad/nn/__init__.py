"""``numbagrad.nn``: modules, layers, losses, ``functional`` and ``init``."""
from numbagrad.nn import functional, init
from numbagrad.nn import utils
from numbagrad.nn.activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid,
                                     Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                                     PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU, Softmax, Softmin,
                                     Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold)
from numbagrad.nn.container import (ModuleDict, ModuleList, ParameterDict, ParameterList,
                                   Sequential)
from numbagrad.nn.conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d,
                              ConvTranspose3d)
from numbagrad.nn.dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d,
                                 FeatureAlphaDropout)
from numbagrad.nn.sparse import Embedding, EmbeddingBag
from numbagrad.nn.linear import Flatten, Identity, Linear
from numbagrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss,
                               NLLLoss)
from numbagrad.nn.loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,
                               HuberLoss, KLDivLoss, MarginRankingLoss, MultiLabelMarginLoss,
                               MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss,
                               SmoothL1Loss, SoftMarginLoss, TripletMarginLoss,
                               TripletMarginWithDistanceLoss, CTCLoss)
from numbagrad.nn.distance import CosineSimilarity, PairwiseDistance
from numbagrad.nn.module import Module
from numbagrad.nn.normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm,
                                        InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                                        LayerNorm, LocalResponseNorm)
from numbagrad.nn.parameter import Parameter
from numbagrad.nn.fold import Fold, Unflatten, Unfold
from numbagrad.nn.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                                  ConstantPad2d, ConstantPad3d, ReflectionPad1d,
                                  ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                                  ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                                  ZeroPad3d)
from numbagrad.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
                                  AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
                                  AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d,
                                  MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d)
from numbagrad.nn.upsampling import (PixelShuffle, PixelUnshuffle, Upsample,
                                     UpsamplingBilinear2d, UpsamplingNearest2d)
from numbagrad.nn.rnn import (GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell,
                              RNNCellBase)
from numbagrad.nn.attention import MultiheadAttention
from numbagrad.nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                                     TransformerEncoder, TransformerEncoderLayer)

__all__ = ["AvgPool2d", "Conv2d", "Flatten", "Identity", "LeakyReLU", "Linear", "LogSoftmax",
           "MaxPool2d", "Module",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool3d", "LPPool1d",
           "LPPool2d", "MaxPool1d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d",
           "Fold", "Unflatten", "Unfold", "PixelShuffle", "PixelUnshuffle", "Upsample",
           "UpsamplingBilinear2d", "UpsamplingNearest2d",
           "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "ModuleDict", "ModuleList", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Softmax", "Tanh", "functional", "init",
           "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "L1Loss", "MSELoss",
           "NLLLoss",
           "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss",
           "KLDivLoss", "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
           "MultiMarginLoss", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CosineSimilarity",
           "PairwiseDistance", "CTCLoss",
           "LSTM", "RNN", "RNNBase", "GRU", "GRUCell", "LSTMCell", "RNNCell", "RNNCellBase",
           "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "LocalResponseNorm",
           "CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh",
           "LogSigmoid", "Mish", "PReLU", "ReLU6", "RReLU", "SELU", "SiLU", "Softmin",
           "Softplus", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
           "Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "MultiheadAttention", "Transformer", "TransformerDecoder",
           "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer",
           "AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
           "Embedding", "EmbeddingBag", "ParameterDict", "ParameterList"]
