"""Graph nodes carry torch's class names: ``type(t.grad_fn).__name__``, ``repr``, ``name()``
and the names along ``next_functions``.

Without torch, hard-coded expectations (taken from torch 2.13). With torch, the same programs
run in both libraries and the names are compared along the whole ``next_functions`` chain, and
every op spec is run through torch too (``python -m tests.autograd.test_node_names`` prints
the comparison).
"""
from __future__ import annotations

import sys
import types
import warnings

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.autograd.graph import AccumulateGrad, Node


def chain(node, depth: int = 8) -> list:
    """The class names met walking ``next_functions`` depth first (``None`` edges skipped)."""
    names: list = []

    def walk(n, d):
        if n is None or d > depth:
            return
        names.append(type(n).__name__)
        for child, _ in n.next_functions:
            walk(child, d + 1)

    walk(node, 0)
    return names


# ------------------------------------------------------------------ programs in both libraries

def _linear_mse(lib):
    model = lib.nn.Linear(3, 2)
    x = lib.ones(4, 3)
    return lib.nn.functional.mse_loss(model(x), lib.zeros(4, 2))


def _mlp_cross_entropy(lib):
    model = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.ReLU(), lib.nn.Linear(5, 3))
    return lib.nn.functional.cross_entropy(model(lib.ones(2, 4)), lib.tensor([0, 2]))


def _cnn(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2 * 3 * 3, 4))
    return nn.CrossEntropyLoss()(model(lib.ones(2, 1, 8, 8)), lib.tensor([1, 3]))


def _linear_3d_input(lib):
    return lib.nn.Linear(3, 2)(lib.ones(5, 4, 3, requires_grad=True)).sum()


def _linear_no_bias(lib):
    return lib.nn.Linear(3, 2, bias=False)(lib.ones(4, 3)).mean()


def _linear_no_bias_3d(lib):
    return lib.nn.Linear(3, 2, bias=False)(lib.ones(5, 4, 3)).mean(0)


def _indexing(lib):
    x = lib.ones(4, 3, requires_grad=True)
    return x[0].sum() + x[1:3].sum(0).sum() + x[:, 1].mean() + x[1:3, 0].sum()


def _views(lib):
    x = lib.ones(3, 4, requires_grad=True)
    return (x.view(12).sum() + x.reshape(4, 3).sum(1).sum() + x.t().reshape(12).sum()
            + x.unsqueeze(0).squeeze(0).sum() + x.transpose(0, 1).flatten().sum())


def _elementwise(lib):
    x = lib.ones(3, requires_grad=True)
    return ((x ** 2).sum() + (x ** x).sum() + (2 - x).sum() + (x / 2 - 1).sum()
            + x.relu().sigmoid().mean() + x.log_softmax(0).sum() + x.softmax(0).max())


def _norms_embedding(lib):
    emb = lib.nn.Embedding(5, 4)
    h = emb(lib.tensor([[0, 1, 2], [3, 4, 0]]))
    h = lib.nn.LayerNorm(4)(h)
    h = lib.nn.BatchNorm1d(3)(h)
    return lib.nn.functional.dropout(h, 0.0).sum()


PROGRAMS = [_linear_mse, _mlp_cross_entropy, _cnn, _linear_3d_input, _linear_no_bias,
            _linear_no_bias_3d, _indexing, _views, _elementwise, _norms_embedding]

# torch 2.13's chains, for when torch is absent.
EXPECTED = {
    "_linear_mse": ["MseLossBackward0", "AddmmBackward0", "AccumulateGrad", "TBackward0",
                    "AccumulateGrad"],
    "_mlp_cross_entropy": ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0",
                           "AccumulateGrad", "ReluBackward0", "AddmmBackward0", "AccumulateGrad",
                           "TBackward0", "AccumulateGrad", "TBackward0", "AccumulateGrad"],
    "_linear_no_bias": ["MeanBackward0", "MmBackward0", "TBackward0", "AccumulateGrad"],
    "_linear_3d_input": ["SumBackward0", "ViewBackward0", "AddmmBackward0", "AccumulateGrad",
                         "ViewBackward0", "AccumulateGrad", "TBackward0", "AccumulateGrad"],
}


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_chain_matches_torch(program):
    torch = pytest.importorskip("torch")
    assert chain(program(ng).grad_fn) == chain(program(torch).grad_fn)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_chain_without_torch(name):
    program = {p.__name__: p for p in PROGRAMS}[name]
    assert chain(program(ng).grad_fn) == EXPECTED[name]


def test_node_is_a_named_subclass_of_node():
    x = ng.ones(2, 3, requires_grad=True)
    loss = ng.nn.functional.mse_loss(x, ng.zeros(2, 3))
    node = loss.grad_fn
    assert type(node).__name__ == node.name() == "MseLossBackward0"
    assert isinstance(node, Node) and type(node) is not Node
    assert repr(node).startswith("<MseLossBackward0 object at 0x")
    assert str(loss) == "tensor(1., grad_fn=<MseLossBackward0>)"
    # One class per name, shared by every node of that name.
    assert type(ng.nn.functional.mse_loss(x, ng.ones(2, 3)).grad_fn) is type(node)


def test_overloads_follow_the_arguments():
    x = ng.ones(3, 4, requires_grad=True)
    names = [t.grad_fn.name() for t in (x.sum(), x.sum(0), x.mean(), x.mean((0, 1)), x ** 2,
                                        x ** x, 2 ** x, x.max(), x.amax(), x.prod(), x.prod(1))]
    assert names == ["SumBackward0", "SumBackward1", "MeanBackward0", "MeanBackward1",
                     "PowBackward0", "PowBackward1", "PowBackward2", "MaxBackward1",
                     "AmaxBackward0", "ProdBackward0", "ProdBackward1"]


def test_accumulate_grad_reads_as_torch():
    w = ng.ones(2, requires_grad=True)
    acc = (w * 2).grad_fn.next_functions[0][0]
    assert type(acc) is AccumulateGrad and acc.name() == "torch::autograd::AccumulateGrad"
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    assert acc.variable is w and acc.next_functions == ()


def test_shown_inner_nodes_lead_to_the_leaves_and_backward_is_unchanged():
    layer = ng.nn.Linear(3, 2)
    out = layer(ng.ones(4, 3))
    node = out.grad_fn
    bias_edge, input_edge, weight_edge = node.next_functions
    assert node.next_functions is node.next_functions  # made once
    assert bias_edge[0].variable is layer.bias and input_edge == (None, 0)
    assert type(weight_edge[0]).__name__ == "TBackward0"
    assert weight_edge[0].next_functions[0][0].variable is layer.weight
    out.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(2, 4.0))


def test_custom_function_node_is_named_after_the_class():
    class Cube(ng.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = ng.tensor([2.0], requires_grad=True)
    y = Cube.apply(x)
    assert type(y.grad_fn).__name__ == y.grad_fn.name() == "CubeBackward"
    assert "grad_fn=<CubeBackward>" in str(y)
    y.sum().backward()
    assert x.grad.tolist() == [12.0]


# --------------------------------------------------------------------------- every op spec

# Specs whose outermost node is named otherwise than torch's, by reason.
_COMPOSED = "numbagrad composes it from other primitives; torch records one node"
_LAYOUT = ("one numbagrad primitive, where torch adds views, squeezes or copies around its "
           "kernel (or a bias add that numbagrad records apart)")
DIFFERENT_OUTERMOST = {
    "square": _COMPOSED,
    "deg2rad": _COMPOSED,
    "rad2deg": _COMPOSED,
    "addcmul": _COMPOSED,
    "addcdiv": _COMPOSED,
    "rrelu_eval": 'rrelu in eval mode runs the leaky_relu primitive; torch records rrelu_with_noise',
    "glu": _COMPOSED,
    "var": _COMPOSED,
    "var_dim0": _COMPOSED,
    "var_dim1_correction0_keepdim": _COMPOSED,
    "var_unbiased_false": _COMPOSED,
    "std": _COMPOSED,
    "std_dims01_keepdim": _COMPOSED,
    "logsumexp_dim-1": _COMPOSED,
    "logsumexp_dims02_keepdim": _COMPOSED,
    "nansum": _COMPOSED,
    "nansum_dim0_keepdim": _COMPOSED,
    "aminmax_min": _COMPOSED,
    "aminmax_max_dim1_keepdim": _COMPOSED,
    "var_mean_var_dim0": _COMPOSED,
    "var_mean_mean_dim0": _COMPOSED,
    "std_mean_std_dims01_correction0_keepdim": _COMPOSED,
    "std_mean_mean_unbiased_false": _COMPOSED,
    "topk_1": _COMPOSED,
    "topk_1_smallest_dim0": _COMPOSED,
    "kthvalue_1": _COMPOSED,
    "stack": _COMPOSED,
    "repeat": _COMPOSED,
    "tile": _COMPOSED,
    "flip": _COMPOSED,
    "flip_method": _COMPOSED,
    "fliplr": _COMPOSED,
    "flipud": _COMPOSED,
    "roll": _COMPOSED,
    "roll_dims": _COMPOSED,
    "rot90": _COMPOSED,
    "rot90_k2": _COMPOSED,
    "rot90_k3": _COMPOSED,
    "unbind": _COMPOSED,
    "atleast_2d": _COMPOSED,
    "broadcast_tensors": _COMPOSED,
    "meshgrid_ij": _COMPOSED,
    "meshgrid_xy": _COMPOSED,
    "setitem": "in-place write: torch's CopySlices, numbagrad's out-of-place index_put",
    "setitem_advanced": "in-place write: torch's CopySlices, numbagrad's out-of-place index_put",
    "masked_fill": _COMPOSED,
    "masked_fill_tensor_value": _COMPOSED,
    "masked_select": _COMPOSED,
    "index_select": _COMPOSED,
    "take": _COMPOSED,
    "scatter": _COMPOSED,
    "scatter_value": _COMPOSED,
    "index_add": _COMPOSED,
    "index_copy": _COMPOSED,
    "index_fill": _COMPOSED,
    "matmul": _LAYOUT,
    "conv2d_unbatched_no_bias": _LAYOUT,
    "conv1d_stride_dilation_groups": _LAYOUT,
    "conv1d_same_unbatched": _LAYOUT,
    "conv3d": _LAYOUT,
    "conv3d_stride_dilation_groups": _LAYOUT,
    "conv_transpose1d": _LAYOUT,
    "conv_transpose2d": _COMPOSED,
    "conv_transpose2d_stride_padding_groups": _COMPOSED,
    "conv_transpose2d_dilation_unbatched": _LAYOUT,
    "conv_transpose3d": _LAYOUT,
    "smooth_l1_loss_beta": _COMPOSED,
    "huber_loss_none": _COMPOSED,
    "pairwise_distance": _COMPOSED,
    "pdist": _COMPOSED,
    "binary_cross_entropy_mean": _COMPOSED,
    "binary_cross_entropy_weighted_mean": _COMPOSED,
    "binary_cross_entropy_with_logits_mean": _COMPOSED,
    "binary_cross_entropy_with_logits_weights_mean": _COMPOSED,
    "binary_cross_entropy_sum": _COMPOSED,
    "binary_cross_entropy_weighted_sum": _COMPOSED,
    "binary_cross_entropy_with_logits_sum": _COMPOSED,
    "binary_cross_entropy_with_logits_weights_sum": _COMPOSED,
    "binary_cross_entropy_weighted_none": _COMPOSED,
    "binary_cross_entropy_with_logits_weights_none": _COMPOSED,
    "diag_matrix": _COMPOSED,
    "trace": _COMPOSED,
    "repeat_interleave": _COMPOSED,
    "repeat_interleave_flat": _LAYOUT,
    "matrix_norm_2_dims10_keepdim": _LAYOUT,
    "matrix_norm_1": _LAYOUT,
    "median": _COMPOSED,
    "median_dim-1": _COMPOSED,
    "median_dim0_keepdim": _COMPOSED,
    "nanmedian_dim1": _COMPOSED,
    "nanmedian": _COMPOSED,
    "mode": _COMPOSED,
    "mode_dim0_keepdim": _COMPOSED,
    "einsum_three": _LAYOUT,
    "einsum_diagonal_contract": _LAYOUT,
    "vdot": 'vdot of real vectors runs dot',
    "addmm": _COMPOSED,
    "addmv": _COMPOSED,
    "addbmm": _COMPOSED,
    "baddbmm": _COMPOSED,
    "kron": _LAYOUT,
    "cross": _COMPOSED,
    "cdist": _COMPOSED,
    "cdist_mm": _LAYOUT,
    "cdist_p1": _COMPOSED,
    "cdist_p3": _COMPOSED,
    "cdist_pinf": _COMPOSED,
    "put": _COMPOSED,
    "masked_scatter": _COMPOSED,
    "embedding_bag_sum": _COMPOSED,
    "embedding_bag_mean": _COMPOSED,
    "embedding_bag_max": _COMPOSED,
    "embedding_bag_weighted": _COMPOSED,
    "max_pool1d": _LAYOUT,
    "avg_pool1d_exclude_pad": _LAYOUT,
    "normalization_instance_norm": _LAYOUT,
    "scaled_dot_product_attention": _LAYOUT,
    "scaled_dot_product_attention_causal": _LAYOUT,
    "scaled_dot_product_attention_float_mask": _LAYOUT,
    "scaled_dot_product_attention_bool_mask": _LAYOUT,
    "scaled_dot_product_attention_heads": _LAYOUT,
}

def torch_twin(fn, memo=None):
    """``fn`` (a spec's numbagrad callable) rewritten to call torch: numbagrad modules and
    public functions in its globals and closure are swapped for torch's of the same name."""
    import torch

    memo = {} if memo is None else memo
    spaces = [(ng, torch), (ng.nn.functional, torch.nn.functional), (ng.linalg, torch.linalg),
              (ng.Tensor, torch.Tensor)]

    def swap(v):
        if isinstance(v, types.ModuleType) and v.__name__.startswith("numbagrad"):
            return sys.modules.get("torch" + v.__name__[len("numbagrad"):], v)
        if callable(v) and str(getattr(v, "__module__", "")).startswith("numbagrad"):
            name = getattr(v, "__name__", None)
            for space, twin in spaces:
                if name and getattr(space, name, None) is v and hasattr(twin, name):
                    return getattr(twin, name)
            return v
        if isinstance(v, types.FunctionType) and v.__module__.startswith("tests"):
            return torch_twin(v, memo)
        return v

    if fn in memo:
        return memo[fn]
    if not isinstance(fn, types.FunctionType) or not fn.__module__.startswith("tests"):
        return swap(fn)
    space: dict = {}
    cells = tuple(types.CellType(swap(c.cell_contents)) for c in fn.__closure__ or ())
    twin = memo[fn] = types.FunctionType(fn.__code__, space, fn.__name__, fn.__defaults__,
                                         cells or None)
    space.update({k: v if k == "__builtins__" else swap(v) for k, v in fn.__globals__.items()})
    return twin


def _first(x):
    while isinstance(x, (tuple, list)):
        x = x[0]
    return x


def compare_spec(spec, torch):
    """(numbagrad's chain, torch's chain) for one spec on a small fixed input, or None."""
    from hypothesis import HealthCheck, find, settings

    from tests.ops.strategies import op_inputs

    grad_inputs = spec.grad_inputs if spec.grad_inputs is not None else range(spec.n_inputs)
    quiet = settings(derandomize=True, database=None, max_examples=200,
                     suppress_health_check=list(HealthCheck))
    try:
        arrays = find(op_inputs(spec, np.float64), lambda a: all(x.size > 1 for x in a),
                      settings=quiet)
    except Exception:  # noqa: BLE001 - no such input: fall back to the smallest one
        arrays = find(op_inputs(spec, np.float64), lambda a: True, settings=quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecations (x.T of a 3-d tensor)
            ours = _first(spec.fn(*[ng.from_numpy(a.copy()).requires_grad_(i in grad_inputs)
                                    for i, a in enumerate(arrays)]))
            theirs = _first(torch_twin(spec.fn)(*[
                torch.from_numpy(a.copy()).requires_grad_(i in grad_inputs)
                for i, a in enumerate(arrays)]))
    except Exception:  # noqa: BLE001 - a call torch does not take the same way
        return None
    if ours.grad_fn is None or theirs.grad_fn is None:
        return None
    return chain(ours.grad_fn), chain(theirs.grad_fn)


def survey(torch) -> dict:
    """``{spec name: (numbagrad's chain, torch's chain)}`` for every spec both can run."""
    from tests.ops.all_specs import SPECS

    found = {}
    for spec in SPECS:
        if spec.differentiable:
            pair = compare_spec(spec, torch)
            if pair is not None:
                found[spec.name] = pair
    return found


def test_every_spec_names_its_outermost_node_as_torch():
    torch = pytest.importorskip("torch")
    found = survey(torch)
    assert len(found) > 400
    differ = {name for name, (ours, theirs) in found.items() if ours[0] != theirs[0]}
    assert differ <= set(DIFFERENT_OUTERMOST), sorted(differ - set(DIFFERENT_OUTERMOST))


if __name__ == "__main__":
    import torch

    results = survey(torch)
    same_top = same_chain = 0
    for spec_name, (ours, theirs) in results.items():
        same_top += ours[0] == theirs[0]
        same_chain += ours == theirs
        if ours != theirs:
            print(f"{spec_name}: numbagrad {ours} torch {theirs}")
    print(f"{len(results)} specs compared: outermost name equal in {same_top}, whole "
          f"next_functions chain equal in {same_chain}")
