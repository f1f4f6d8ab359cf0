"""Specs of ``numbagrad/ops/rearrange.py``: composites of the shape and index ops, so each spec
covers the primitives it runs through. Pieces that are joined back are scaled 1, 2, 3, ... so
each piece's gradient must land in its own place."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes``."""
    return lambda draw: list(shapes)


def _weighted(pieces):
    return [p * (i + 1.0) for i, p in enumerate(pieces)]


def _stacked(pieces):
    """Pieces of one shape scaled 1, 2, 3, ... and stacked (works for ndarrays and tensors)."""
    pieces = _weighted(pieces)
    return ng.stack(pieces) if isinstance(pieces[0], ng.Tensor) else np.stack(pieces)


_VIEW = ("reshape", "expand", "clone")

SPECS = [
    Spec("repeat", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)),
         shapes=_fixed((2, 3)), covers=_VIEW),
    Spec("tile", lambda x: ng.tile(x, (2,)), lambda x: np.tile(x, 2), covers=_VIEW),
    Spec("flip", lambda x: ng.flip(x, (0, -1)), lambda x: np.flip(x, (0, -1)), min_dims=2,
         covers=("index",)),
    Spec("flip_method", lambda x: x.flip(1), lambda x: np.flip(x, 1), shapes=_fixed((2, 3, 4)),
         covers=("index",)),
    Spec("fliplr", ng.fliplr, np.fliplr, min_dims=2, covers=("index",)),
    Spec("flipud", ng.flipud, np.flipud, min_dims=1, covers=("index",)),
    Spec("roll", lambda x: ng.roll(x, 2), lambda x: np.roll(x, 2), min_dims=1,
         covers=("index", "reshape")),
    Spec("roll_dims", lambda x: x.roll((1, -4), (0, 2)), lambda x: np.roll(x, (1, -4), (0, 2)),
         shapes=_fixed((3, 2, 5)), covers=("index",)),
    Spec("rot90", lambda x: ng.rot90(x), lambda x: np.rot90(x), min_dims=2,
         covers=("index", "permute")),
    Spec("rot90_k2", lambda x: x.rot90(2, (1, 2)), lambda x: np.rot90(x, 2, (1, 2)),
         shapes=_fixed((2, 3, 4)), covers=("index",)),
    Spec("rot90_k3", lambda x: ng.rot90(x, -1, (2, 0)), lambda x: np.rot90(x, -1, (2, 0)),
         shapes=_fixed((2, 3, 4)), covers=("index", "permute")),
    Spec("narrow", lambda x: x.narrow(1, 1, 2), lambda x: x[:, 1:3], shapes=_fixed((3, 4)),
         covers=("slice",)),
    Spec("unbind", lambda x: _stacked(ng.unbind(x, 1)),
         lambda x: _stacked([x[:, i] for i in range(x.shape[1])]), shapes=_fixed((2, 3, 2)),
         covers=("slice", "reshape", "cat")),
    Spec("movedim", lambda x: ng.movedim(x, (0, 1), (2, 0)),
         lambda x: np.moveaxis(x, (0, 1), (2, 0)), shapes=_fixed((2, 3, 4)), covers=("permute",)),
    Spec("moveaxis", lambda x: x.moveaxis(0, -1), lambda x: np.moveaxis(x, 0, -1), min_dims=1,
         covers=("permute",)),
    Spec("swapaxes", lambda x: ng.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
         min_dims=2, covers=("permute",)),
    Spec("swapdims", lambda x: x.swapdims(1, 0), lambda x: np.swapaxes(x, 1, 0), min_dims=2,
         covers=("permute",)),
    Spec("hstack", lambda a, b: ng.hstack(_weighted([a, b])),
         lambda a, b: np.hstack(_weighted([a, b])), 2, shapes=_fixed((2, 3), (2, 1)),
         covers=("cat",)),
    Spec("hstack_1d", lambda a, b: ng.hstack(_weighted([a, b])),
         lambda a, b: np.hstack(_weighted([a, b])), 2, shapes=_fixed((3,), ()),
         covers=("cat", "reshape")),
    Spec("vstack", lambda a, b: ng.vstack(_weighted([a, b])),
         lambda a, b: np.vstack(_weighted([a, b])), 2, shapes=_fixed((3,), (2, 3)),
         covers=("cat", "reshape")),
    Spec("row_stack", lambda a, b: ng.row_stack(_weighted([a, b])),
         lambda a, b: np.vstack(_weighted([a, b])), 2, shapes=_fixed((2, 2), (1, 2)),
         covers=("cat",)),
    Spec("dstack", lambda a, b: ng.dstack(_weighted([a, b])),
         lambda a, b: np.dstack(_weighted([a, b])), 2, shapes=_fixed((2, 3), (2, 3, 2)),
         covers=("cat", "reshape")),
    Spec("column_stack", lambda a, b: ng.column_stack(_weighted([a, b])),
         lambda a, b: np.column_stack(_weighted([a, b])), 2, shapes=_fixed((3,), (3, 2)),
         covers=("cat", "reshape")),
    Spec("atleast_3d", lambda x: ng.atleast_3d(x) * 1.0, np.atleast_3d, max_dims=2,
         covers=("reshape",)),
    Spec("atleast_2d", lambda a, b: _stacked(ng.atleast_2d(a, b)),
         lambda a, b: _stacked(np.atleast_2d(a, b)), 2, shapes=_fixed((3,), (1, 3)),
         covers=("reshape", "cat")),
    Spec("atleast_1d", lambda x: ng.atleast_1d(x) * 1.0, np.atleast_1d, max_dims=1,
         covers=("reshape",)),
    Spec("broadcast_to", lambda x: ng.broadcast_to(x, (2, 3, 4)),
         lambda x: np.broadcast_to(x, (2, 3, 4)), shapes=_fixed((3, 1)), covers=("expand",)),
    Spec("broadcast_tensors", lambda a, b: _stacked(ng.broadcast_tensors(a, b)),
         lambda a, b: _stacked(np.broadcast_arrays(a, b)), 2, covers=("expand", "cat")),
    Spec("meshgrid_ij", lambda a, b: _stacked(ng.meshgrid(a, b, indexing="ij")),
         lambda a, b: _stacked(np.meshgrid(a, b, indexing="ij")), 2,
         shapes=_fixed((3,), (2,)), covers=("expand", "reshape")),
    Spec("meshgrid_xy", lambda a, b, c: _stacked(ng.meshgrid(a, b, c, indexing="xy")),
         lambda a, b, c: _stacked(np.meshgrid(a, b, c, indexing="xy")), 3,
         shapes=_fixed((3,), (2,), (4,)), covers=("expand", "reshape")),
    Spec("tensor_split", lambda x: ng.cat(_weighted(ng.tensor_split(x, 3, dim=1)), 1),
         lambda x: np.concatenate(_weighted(np.array_split(x, 3, 1)), 1),
         shapes=_fixed((2, 7)), covers=("slice", "cat")),
    Spec("tensor_split_indices", lambda x: ng.cat(_weighted(x.tensor_split([1, -2, 9])), 0),
         lambda x: np.concatenate(_weighted(np.split(x, [1, -2, 9])), 0),
         shapes=_fixed((6, 2)), covers=("slice", "cat")),
    Spec("hsplit", lambda x: ng.cat(_weighted(ng.hsplit(x, 2)), 1),
         lambda x: np.concatenate(_weighted(np.hsplit(x, 2)), 1),
         shapes=_fixed((2, 4)), covers=("slice", "cat")),
    Spec("vsplit", lambda x: ng.cat(_weighted(x.vsplit([1, 3])), 0),
         lambda x: np.concatenate(_weighted(np.vsplit(x, [1, 3])), 0),
         shapes=_fixed((4, 2)), covers=("slice", "cat")),
    Spec("dsplit", lambda x: ng.cat(_weighted(ng.dsplit(x, 3)), 2),
         lambda x: np.concatenate(_weighted(np.dsplit(x, 3)), 2),
         shapes=_fixed((2, 1, 3)), covers=("slice", "cat")),
    Spec("unflatten", lambda x: x.unflatten(-1, (2, -1)), lambda x: x.reshape(3, 2, 3),
         shapes=_fixed((3, 6)), covers=("reshape",)),
]
