"""Hostile and damaged files in torch's format: refused cleanly, nothing run, nothing allocated
beyond what the file holds (no torch needed)."""
import io
import pickle
import time
import zipfile

import pytest

import numbagrad as torch


def _text(s: str) -> bytes:
    data = s.encode()
    return pickle.BINUNICODE + len(data).to_bytes(4, "little") + data


def _int(n: int) -> bytes:
    data = pickle.encode_long(n)
    return pickle.LONG1 + bytes([len(data)]) + data


def _global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _tuple(*items: bytes) -> bytes:
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def tensor_pickle(storage="FloatStorage", key="0", numel=4, offset=0, size=(4,), stride=(1,)):
    """torch's pickle of one tensor, with every field chosen by the test."""
    pid = _tuple(_text("storage"), _global("torch", storage), _text(key), _text("cpu"),
                 _int(numel))
    hooks = _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
    args = _tuple(pid + pickle.BINPERSID, _int(offset), _tuple(*map(_int, size)),
                  _tuple(*map(_int, stride)), pickle.NEWFALSE, hooks)
    return (pickle.PROTO + b"\x02" + _global("torch._utils", "_rebuild_tensor_v2") + args
            + pickle.REDUCE + pickle.STOP)


def torch_zip(pkl: bytes, records=None, compress=zipfile.ZIP_STORED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("archive/data.pkl", pkl)
        archive.writestr("archive/byteorder", "little")
        for name, data in (records or {}).items():
            archive.writestr(f"archive/{name}", data)
        archive.writestr("archive/version", "3\n")
    buffer.seek(0)
    return buffer


FOUR_FLOATS = {"data/0": b"\0" * 16}


def test_the_hand_made_tensor_pickle_loads():
    # The baseline the hostile variants below depart from.
    t = torch.load(torch_zip(tensor_pickle(), FOUR_FLOATS))
    assert t.tolist() == [0.0] * 4 and t.dtype is torch.float32


@pytest.mark.parametrize("make_pickle", [
    lambda m: _global("os", "system") + _tuple(_text(f"touch {m}")) + pickle.REDUCE,
    lambda m: _global("posix", "system") + _tuple(_text(f"touch {m}")) + pickle.REDUCE,
    lambda m: _global("builtins", "eval") + _tuple(_text(f"open({str(m)!r}, 'w')"))
    + pickle.REDUCE,
    lambda m: _global("__builtin__", "exec") + _tuple(_text(f"open({str(m)!r}, 'w')"))
    + pickle.REDUCE,
    lambda m: _global("subprocess", "call") + _tuple(_tuple(_text("touch"), _text(str(m))))
    + pickle.REDUCE,
    lambda m: (pickle.SHORT_BINUNICODE + b"\x02os" + pickle.SHORT_BINUNICODE + b"\x06system"
               + pickle.STACK_GLOBAL + _tuple(_text(f"touch {m}")) + pickle.REDUCE),
    lambda m: pickle.MARK + _text(f"touch {m}") + b"ios\nsystem\n",  # INST
    lambda m: _global("numbagrad.nn.linear", "Linear") + _tuple(_int(1), _int(1))
    + pickle.REDUCE,
])
def test_globals_outside_the_allowlist_are_refused_and_nothing_runs(tmp_path, make_pickle):
    marker = tmp_path / "ran"
    pkl = pickle.PROTO + b"\x02" + make_pickle(marker) + pickle.STOP
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as err:
        torch.load(torch_zip(pkl))
    assert not marker.exists()
    message = str(err.value)
    assert "weights_only" in message
    assert ("GLOBAL" in message and ("system" in message or "Linear" in message
                                     or "eval" in message or "exec" in message
                                     or "call" in message)) or "INST" in message


def test_reduce_of_a_value_that_is_not_an_allowed_callable_is_refused():
    for func in (_text("os.system"), _global("torch", "float32"),
                 _global("torch", "FloatStorage"), _global("torch", "Tensor")):
        # torch.Tensor(n) would allocate n elements: it is a value here, never called.
        pkl = pickle.PROTO + b"\x02" + func + _tuple(_int(2 ** 40)) + pickle.REDUCE + pickle.STOP
        with pytest.raises(pickle.UnpicklingError, match="unrecognized function"):
            torch.load(torch_zip(pkl))


def test_build_cannot_change_a_dtype_or_a_function():
    for target in (_global("torch", "float32"), _global("torch._utils", "_rebuild_tensor_v2")):
        state = pickle.EMPTY_DICT + _text("name") + _text("evil") + pickle.SETITEM
        pkl = pickle.PROTO + b"\x02" + target + state + pickle.BUILD + pickle.STOP
        with pytest.raises(pickle.UnpicklingError, match="Can only build OrderedDict"):
            torch.load(torch_zip(pkl))
    assert torch.float32.name == "float32"


def test_newobj_of_an_allowed_class_other_than_parameter_is_refused():
    pkl = (pickle.PROTO + b"\x02" + _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE
           + pickle.NEWOBJ + pickle.STOP)
    with pytest.raises(pickle.UnpicklingError, match="nn.Parameter"):
        torch.load(torch_zip(pkl))


@pytest.mark.parametrize("fields, records, message", [
    ({}, {"data/0": b"\0" * 15}, r"claims 4 elements .*16 bytes.* holds 15 bytes"),
    ({"numel": 2 ** 60}, FOUR_FLOATS, r"claims 1152921504606846976 elements"),
    ({"numel": 2 ** 70}, FOUR_FLOATS, r"claims 1180591620717411303424 elements"),
    ({"numel": -1}, FOUR_FLOATS, r"claims -1 elements"),
    ({"offset": 1}, FOUR_FLOATS, r"reaches element 4, beyond its storage of 4"),
    ({"offset": 2 ** 63}, FOUR_FLOATS, r"reaches element"),
    ({"offset": -1}, FOUR_FLOATS, r"storage offset -1"),
    ({"size": (5,)}, FOUR_FLOATS, r"beyond its storage"),
    ({"size": (-1,)}, FOUR_FLOATS, r"size \(-1,\) holds a value"),
    ({"stride": (-1,)}, FOUR_FLOATS, r"stride \(-1,\) holds a value"),
    ({"size": (2, 2), "stride": (1,)}, FOUR_FLOATS, r"differ in length"),
    ({"size": (2 ** 64,), "stride": (0,)}, FOUR_FLOATS, r"holds a value"),
    ({"size": (2 ** 40, 2 ** 40), "stride": (0, 0)}, FOUR_FLOATS, r"damaged"),
    ({"size": (2,) * 65, "stride": (0,) * 65}, FOUR_FLOATS, r"at most 64"),
    ({"key": "7"}, FOUR_FLOATS, r"no record archive/data/7"),
    ({"key": "../../etc/passwd"}, FOUR_FLOATS, r"no record"),
])
def test_bad_storages_and_tensor_geometry_are_clean_errors(fields, records, message):
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=message):
        torch.load(torch_zip(tensor_pickle(**fields), records))
    assert time.perf_counter() - start < 5.0  # refused before allocating anything claimed


@pytest.mark.parametrize("storage", ["ComplexFloatStorage", "ComplexDoubleStorage",
                                     "BFloat16Storage", "QInt8Storage", "UInt16Storage"])
def test_storages_of_types_numbagrad_lacks_are_refused(storage):
    with pytest.raises(RuntimeError, match=f"torch.{storage}, a type numbagrad lacks"):
        torch.load(torch_zip(tensor_pickle(storage=storage), FOUR_FLOATS))


def test_quantized_tensors_are_named_as_unrepresentable():
    pkl = (pickle.PROTO + b"\x02" + _global("torch._utils", "_rebuild_qtensor") + pickle.STOP)
    with pytest.raises(RuntimeError, match="quantized tensors"):
        torch.load(torch_zip(pkl))


def test_compressed_records_and_unknown_byte_orders_are_refused():
    with pytest.raises(RuntimeError, match="compressed"):
        torch.load(torch_zip(tensor_pickle(), FOUR_FLOATS, zipfile.ZIP_DEFLATED))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", tensor_pickle())
        archive.writestr("archive/byteorder", "middle")
    with pytest.raises(RuntimeError, match="unknown byte order 'middle'"):
        torch.load(buffer)


def test_big_endian_files_are_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", tensor_pickle(numel=2, size=(2,)))
        archive.writestr("archive/byteorder", "big")
        archive.writestr("archive/data/0", b"\x3f\x80\x00\x00\x40\x00\x00\x00")
    assert torch.load(buffer).tolist() == [1.0, 2.0]


def test_every_flipped_byte_gives_a_clean_error_or_loads():
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(4, dtype=torch.float32).reshape(2, 2).t(), "step": 3}, buffer)
    data = buffer.getvalue()
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x41
        try:
            torch.load(io.BytesIO(bytes(damaged)))
        except (RuntimeError, pickle.UnpicklingError):
            pass
        # Loading without an error is right too: the byte was one no reader checks (padding).


def test_a_whole_object_needs_weights_only_false(tmp_path):
    path = tmp_path / "model.pt"
    model = torch.nn.Linear(2, 3)
    torch.save(model, path)
    with pytest.raises(pickle.UnpicklingError,
                       match=r"(?s)weights_only.*GLOBAL numbagrad.nn.linear.Linear"):
        torch.load(path)
    back = torch.load(path, weights_only=False)
    assert isinstance(back, torch.nn.Linear)
    assert back.weight.tolist() == model.weight.tolist()
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        torch.load(path, pickle_module=pickle, weights_only=True)
    assert isinstance(torch.load(path, pickle_module=pickle), torch.nn.Linear)


def test_legacy_and_foreign_files(tmp_path):
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2))
    with pytest.raises(RuntimeError, match="legacy format"):
        torch.load(legacy)
    missing_pkl = io.BytesIO()
    with zipfile.ZipFile(missing_pkl, "w") as archive:
        archive.writestr("archive/data/0", b"\0" * 4)
    with pytest.raises(RuntimeError, match="neither numbagrad.json nor"):
        torch.load(missing_pkl)
