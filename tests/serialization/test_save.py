"""numbagrad.save writes torch's format: round trips through numbagrad alone, atomic writes,
file objects (no torch needed)."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import numbagrad as torch
from numbagrad.nn.parameter import Parameter
from numbagrad.serialization import torch_format


def _round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_kwargs)


def test_nested_structure_dtypes_and_keys_round_trip():
    obj = {
        "f32": torch.randn(2, 3), "f64": torch.randn(3, dtype=torch.float64),
        "f16": torch.tensor([0.5], dtype=torch.float16), "i8": torch.tensor([-1], dtype=torch.int8),
        "u8": torch.tensor([255], dtype=torch.uint8), "i16": torch.tensor([7], dtype=torch.int16),
        "i32": torch.tensor([1, -2], dtype=torch.int32), "i64": torch.arange(5),
        "bool": torch.tensor([True, False]), "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
        "numbers": [1, 2.5, float("inf"), True, None, "text", b"bytes", 1 + 2j],
        "tuple": (1, ("nested", [torch.ones(1)])), "set": {1, 2},
        7: "int key", (1, "a"): "tuple key", None: "none key",
        "dtype": torch.float64, "bf16": torch.bfloat16, "size": torch.Size([2, 3]),
    }
    back = _round_trip(obj)
    assert set(back) == set(obj)
    for key in ("f32", "f64", "f16", "i8", "u8", "i16", "i32", "i64", "bool", "scalar", "empty"):
        assert back[key].dtype is obj[key].dtype and back[key].shape == obj[key].shape
        np.testing.assert_array_equal(back[key].numpy(), obj[key].numpy())
    assert back["numbers"] == obj["numbers"] and back["set"] == {1, 2}
    assert isinstance(back["tuple"], tuple) and back["tuple"][1][1][0].tolist() == [1.0]
    assert back[7] == "int key" and back[(1, "a")] == "tuple key" and back[None] == "none key"
    assert back["dtype"] is torch.float64 and back["bf16"] is torch.bfloat16
    assert back["size"] == (2, 3) and type(back["size"]) is torch.Size


def test_sharing_order_parameters_and_requires_grad_are_kept():
    shared = torch.ones(3, requires_grad=True)
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    back = _round_trip(OrderedDict([("b", shared), ("a", [shared, Parameter(torch.zeros(2))]),
                                    ("base", base), ("view", base.t())]))
    assert isinstance(back, OrderedDict) and list(back) == ["b", "a", "base", "view"]
    assert back["b"] is back["a"][0] and back["b"].requires_grad
    assert isinstance(back["a"][1], Parameter) and back["a"][1].requires_grad
    assert back["view"].stride() == (1, 3)
    back["base"][0, 1] = 9.0
    assert back["view"][1, 0].item() == 9.0


def test_module_state_dict_into_fresh_module(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    fresh.load_state_dict(torch.load(path))
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert a.dtype is b.dtype, name
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    torch.save({"version": 1, "w": torch.ones(3)}, path)
    real_chunks = torch_format._chunks
    calls = []

    def crash_on_second_storage(storage):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real_chunks(storage)

    monkeypatch.setattr(torch_format, "_chunks", crash_on_second_storage)
    with pytest.raises(OSError, match="simulated"):
        torch.save({"version": 2, "a": torch.zeros(1000), "b": torch.zeros(1000)}, path)
    monkeypatch.undo()
    back = torch.load(path)
    assert back["version"] == 1 and back["w"].tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_unpicklable_objects_leave_nothing_behind(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        torch.save({"opt": [1, lambda: 0]}, tmp_path / "x.pt")
    assert not os.listdir(tmp_path)


def test_file_objects_and_bad_arguments(tmp_path):
    path = tmp_path / "f.pt"
    with open(path, "wb") as f:
        torch.save({"a": torch.arange(3)}, f)
    with open(path, "rb") as f:
        assert torch.load(f)["a"].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="path or a binary file object"):
        torch.save({}, 3)
    with pytest.raises(NotImplementedError, match="zip format"):
        torch.save({}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="does not exist"):
        torch.save({}, tmp_path / "missing" / "f.pt")


def test_archive_name_follows_torch():
    assert torch_format.archive_name("dir/a.b.pt") == "a.b"
    assert torch_format.archive_name("noext") == "noext"
    assert torch_format.archive_name(None) == "archive"
