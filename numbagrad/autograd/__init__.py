"""Automatic differentiation: ``backward``, ``grad``, grad-mode switches, custom ``Function``s
and ``gradcheck``."""
from numbagrad.autograd.anomaly import detect_anomaly, set_detect_anomaly
from numbagrad.autograd.function import Function, FunctionCtx, once_differentiable
from numbagrad.autograd.functional import backward, grad
from numbagrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                          set_grad_enabled)
from numbagrad.autograd.gradcheck import GradcheckError, gradcheck
from numbagrad.autograd.graph import Node

__all__ = ["Function", "FunctionCtx", "GradcheckError", "Node", "backward", "detect_anomaly",
           "enable_grad", "set_detect_anomaly",
           "grad", "gradcheck", "inference_mode", "is_grad_enabled", "no_grad",
           "once_differentiable", "set_grad_enabled"]
