"""Automatic differentiation: ``backward``, ``grad``, grad-mode switches, custom ``Function``s
and ``gradcheck``."""
from numbagrad.autograd.functional import backward, grad
from numbagrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                          set_grad_enabled)
from numbagrad.autograd.graph import Node

__all__ = ["Node", "backward", "enable_grad", "grad", "inference_mode", "is_grad_enabled",
           "no_grad", "set_grad_enabled"]
