"""Optimizers and learning-rate schedulers, under torch's names (``numbagrad.optim.SGD``, ...).

Each optimizer updates a parameter with one fused kernel of its device's backend
(``numbagrad/backends/<device>/optim.py``; ``optim_extra.py`` for Adadelta, Adamax, NAdam, RAdam,
ASGD and Rprop) and keeps its state in ``optimizer.state[param]``. LBFGS is written with tensor
operations.
"""
from numbagrad.optim import lr_scheduler
from numbagrad.optim.adadelta import Adadelta
from numbagrad.optim.adagrad import Adagrad
from numbagrad.optim.adam import Adam, AdamW
from numbagrad.optim.adamax import Adamax
from numbagrad.optim.asgd import ASGD
from numbagrad.optim.lbfgs import LBFGS
from numbagrad.optim.nadam import NAdam
from numbagrad.optim.optimizer import Optimizer
from numbagrad.optim.radam import RAdam
from numbagrad.optim.rmsprop import RMSprop
from numbagrad.optim.rprop import Rprop
from numbagrad.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
__all__ += ["ASGD", "LBFGS", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop"]
