"""Optimizers and learning-rate schedulers, under torch's names (``numbagrad.optim.SGD``, ...).

Each optimizer updates a parameter with one fused kernel of its device's backend
(``numbagrad/backends/<device>/optim.py``) and keeps its state in ``optimizer.state[param]``.
"""
from numbagrad.optim import lr_scheduler
from numbagrad.optim.adagrad import Adagrad
from numbagrad.optim.adam import Adam, AdamW
from numbagrad.optim.optimizer import Optimizer
from numbagrad.optim.rmsprop import RMSprop
from numbagrad.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
