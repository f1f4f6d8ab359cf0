"""Specs of ``numbagrad/ops/shape.py``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes`` (ops whose arguments fit one shape)."""
    return lambda draw: list(shapes)


def _weighted(pieces):
    """Join pieces scaled 1, 2, 3, ...: each piece's gradient must land in its own place."""
    return [p * (i + 1.0) for i, p in enumerate(pieces)]


SPECS = [
    Spec("clone", ng.clone, np.copy),
    Spec("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1),
         shapes=_fixed((2, 3, 4))),
    Spec("view", lambda x: x.view(2, 1, 3, 4), lambda x: x.reshape(2, 1, 3, 4),
         shapes=_fixed((2, 3, 4)), covers=("reshape",)),
    Spec("view_as", lambda x: x.view_as(ng.zeros(3, 1, 4)), lambda x: x.reshape(3, 1, 4),
         shapes=_fixed((3, 4)), covers=("reshape",)),
    Spec("flatten", lambda x: x.flatten(), lambda x: x.reshape(-1), covers=("reshape",)),
    Spec("flatten_from_1", lambda x: ng.flatten(x, 1), lambda x: x.reshape(x.shape[0], -1),
         min_dims=2, covers=("reshape",)),
    Spec("squeeze", lambda x: x.squeeze(), np.squeeze, shapes=_fixed((2, 1, 3, 1)),
         covers=("reshape",)),
    Spec("squeeze_dims", lambda x: x.squeeze((1, 2)), lambda x: np.squeeze(x, 1),
         shapes=_fixed((2, 1, 3, 1)), covers=("reshape",)),
    Spec("unsqueeze", lambda x: x.unsqueeze(-1), lambda x: np.expand_dims(x, -1),
         covers=("reshape",)),
    Spec("transpose", lambda x: x.transpose(0, -1), lambda x: np.swapaxes(x, 0, -1),
         min_dims=2, covers=("permute",)),
    Spec("t", lambda x: x.t(), lambda x: x.T, shapes=_fixed((3, 4)), covers=("permute",)),
    Spec("permute", lambda x: x.permute(2, 0, 1), lambda x: np.transpose(x, (2, 0, 1)),
         shapes=_fixed((2, 3, 4))),
    Spec("T", lambda x: x.T, np.transpose, covers=("permute",)),
    Spec("expand", lambda x: x.expand(2, 3, 5, -1), lambda x: np.broadcast_to(x, (2, 3, 5, 4)),
         shapes=_fixed((3, 1, 4))),
    Spec("expand_as", lambda x: x.expand_as(ng.zeros(2, 3)), lambda x: np.broadcast_to(x, (2, 3)),
         shapes=_fixed((3,)), covers=("expand",)),
    Spec("cat", lambda a, b, c: ng.cat([a, b, c]), lambda a, b, c: np.concatenate([a, b, c]), 3,
         shapes=_fixed((2, 3), (4, 3), (1, 3))),
    Spec("cat_last_dim", lambda a, b: ng.cat((a, b), dim=-1),
         lambda a, b: np.concatenate([a, b], -1), 2, shapes=_fixed((2, 3, 1), (2, 3, 2)),
         covers=("cat",)),
    Spec("stack", lambda a, b: ng.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], -1), 2,
         broadcast=False, covers=("cat", "reshape")),
    Spec("split", lambda x: ng.cat(_weighted(x.split(2, 1)), 1),
         lambda x: np.concatenate(_weighted(np.split(x, [2, 4], 1)), 1),
         shapes=_fixed((3, 5)), covers=("slice", "cat")),
    Spec("split_sections", lambda x: ng.cat(_weighted(ng.split(x, [1, 3, 1], dim=-1)), -1),
         lambda x: np.concatenate(_weighted(np.split(x, [1, 4], -1)), -1),
         shapes=_fixed((2, 5)), covers=("slice", "cat")),
    Spec("chunk", lambda x: ng.cat(_weighted(x.chunk(3)), 0),
         lambda x: np.concatenate(_weighted(np.split(x, [3, 6])), 0),
         shapes=_fixed((7, 2)), covers=("slice", "cat")),
]
