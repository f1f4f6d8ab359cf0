"""numbagrad.load reads files torch 2.13 wrote (committed fixtures; no torch needed), and
numbagrad's own earlier format still loads."""
import json
import os
from collections import OrderedDict

import numpy as np
import pytest

import numbagrad as torch
from numbagrad.nn.parameter import Parameter

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
with open(os.path.join(FIXTURES, "expected.json")) as _f:
    EXPECTED = json.load(_f)


def storage_root(t) -> np.ndarray:
    root = t.numpy() if not t.requires_grad else t.detach().numpy()
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root


def storage_offset(t) -> int:
    array = t.detach().numpy()
    delta = (array.__array_interface__["data"][0]
             - storage_root(t).__array_interface__["data"][0])
    return delta // array.dtype.itemsize


def check(value, expected, roots: dict, where: str = "obj") -> None:
    """Compare a loaded object with its description in expected.json."""
    if isinstance(expected, dict) and "$tensor" in expected:
        e = expected["$tensor"]
        assert isinstance(value, torch.Tensor), where
        assert value.dtype is getattr(torch, e["dtype"]), where
        assert list(value.shape) == e["shape"], where
        assert value.requires_grad == e["requires_grad"], where
        assert isinstance(value, Parameter) == e["parameter"], where
        np.testing.assert_array_equal(value.detach().numpy(),
                                      np.array(e["values"], dtype=value.detach().numpy().dtype)
                                      .reshape(e["shape"]))
        if value.numel() > 0:
            assert list(value.stride()) == e["stride"], where
            assert storage_offset(value) == e["offset"], where
            root = roots.setdefault(e["storage"], storage_root(value))
            assert storage_root(value) is root, f"{where} does not share its storage"
        return
    if isinstance(expected, dict) and "$dict" in expected:
        assert isinstance(value, OrderedDict if expected["ordered"] else dict), where
        pairs = expected["$dict"]
        assert len(value) == len(pairs), where
        for (key, item), (e_key, e_item) in zip(value.items(), pairs):
            assert key == e_key, where
            check(item, e_item, roots, f"{where}[{key!r}]")
        return
    for kind in ("$list", "$tuple"):
        if isinstance(expected, dict) and kind in expected:
            assert type(value).__name__ == kind[1:], where
            assert len(value) == len(expected[kind]), where
            for i, (item, e_item) in enumerate(zip(value, expected[kind])):
                check(item, e_item, roots, f"{where}[{i}]")
            return
    assert value == expected and type(value) is type(expected), where


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_torch_fixture_loads_with_values_dtypes_strides_and_sharing(name):
    check(torch.load(os.path.join(FIXTURES, name)), EXPECTED[name], {})


def test_views_of_one_storage_stay_views():
    views = torch.load(os.path.join(FIXTURES, "torch_views.pt"))
    views["base"][1, 2] = 100.0
    assert views["t"][2, 1].item() == 100.0 and views["row"][2].item() == 100.0
    assert views["col"][1].item() == 100.0
    alone = torch.load(os.path.join(FIXTURES, "torch_view_alone.pt"))
    assert storage_root(alone).size == 12  # the whole storage, as torch saved it


def test_state_dict_fixture_loads_into_a_numbagrad_model():
    state = torch.load(os.path.join(FIXTURES, "torch_state_dict.pt"), weights_only=True)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model.load_state_dict(state)
    assert state._metadata[""] == {"version": 1}  # torch's state_dict attribute is kept
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), state["0.weight"].numpy())
    assert model[1].num_batches_tracked.item() == 3


def test_checkpoint_fixture_restores_model_and_optimizer():
    ckpt = torch.load(os.path.join(FIXTURES, "torch_checkpoint.pt"))
    assert ckpt["epoch"] == 5 and ckpt["loss"] == 0.25
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model.load_state_dict(ckpt["model_state_dict"])
    sgd = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.1)
    sgd.load_state_dict(ckpt["optimizer_state_dict"])
    assert sgd.param_groups[0]["lr"] == 0.1 and sgd.param_groups[0]["momentum"] == 0.9
    buf = sgd.state[model[0].weight]["momentum_buffer"]
    np.testing.assert_array_equal(
        buf.numpy(), ckpt["optimizer_state_dict"]["state"][0]["momentum_buffer"].numpy())


def test_map_location_forms():
    path = os.path.join(FIXTURES, "torch_dtypes.pt")
    seen = []
    back = torch.load(path, map_location=lambda t, loc: seen.append(loc))
    assert set(seen) == {"cpu"} and back["int8"].tolist() == [-128]
    assert torch.load(path, map_location={"cuda:0": "cpu"})["uint8"].tolist() == [255]
    assert torch.load(path, map_location=torch.device("cpu"))["bool"].device.type == "cpu"


def test_mmap_loads_the_same_values():
    path = os.path.join(FIXTURES, "torch_views.pt")
    back = torch.load(path, mmap=True)
    check(back, EXPECTED["torch_views.pt"], {})
    back["base"].add_(1.0)  # copy-on-write: the file is untouched
    assert torch.load(path)["base"][0, 0].item() == 0.0
    with pytest.raises(ValueError, match="file path"):
        with open(path, "rb") as f:
            torch.load(f, mmap=True)


def test_native_file_written_by_earlier_numbagrad_loads():
    back = torch.load(os.path.join(FIXTURES, "native_v1.pt"))
    assert back["epoch"] == 2 and back["betas"] == (0.9, 0.999)
    assert isinstance(back["model"], OrderedDict) and list(back["model"]) == ["w", "steps"]
    assert back["model"]["w"].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert back["model"]["steps"].dtype is torch.int64


def test_loading_a_torch_file_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, numbagrad; numbagrad.load(sys.argv[1]); "
            "sys.exit(3 if 'torch' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code, os.path.join(FIXTURES, "torch_adam.pt")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
