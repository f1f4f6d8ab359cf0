"""``numbagrad.nn``: modules, layers, losses, ``functional`` and ``init``."""
from numbagrad.nn import functional, init
from numbagrad.nn import utils
from numbagrad.nn.activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid,
                                     Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                                     PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU, Softmax, Softmin,
                                     Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold)
from numbagrad.nn.container import ModuleDict, ModuleList, Sequential
from numbagrad.nn.conv import Conv2d
from numbagrad.nn.dropout import Dropout
from numbagrad.nn.linear import Flatten, Identity, Linear
from numbagrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss,
                               NLLLoss)
from numbagrad.nn.module import Module
from numbagrad.nn.normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm,
                                        InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                                        LayerNorm, LocalResponseNorm)
from numbagrad.nn.parameter import Parameter
from numbagrad.nn.pooling import AvgPool2d, MaxPool2d
from numbagrad.nn.rnn import LSTM, RNN, RNNBase

__all__ = ["AvgPool2d", "Conv2d", "Flatten", "Identity", "LeakyReLU", "Linear", "LogSoftmax",
           "MaxPool2d", "Module", "ModuleDict", "ModuleList", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Softmax", "Tanh", "functional", "init",
           "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "L1Loss", "MSELoss",
           "NLLLoss",
           "LSTM", "RNN", "RNNBase",
           "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "LocalResponseNorm",
           "CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh",
           "LogSigmoid", "Mish", "PReLU", "ReLU6", "RReLU", "SELU", "SiLU", "Softmin",
           "Softplus", "Softshrink", "Softsign", "Tanhshrink", "Threshold"]
