"""docs/api.md and README.md's summary table are what tools/api_table.py writes today."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("api_table", ROOT / "tools" / "api_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_table_is_up_to_date():
    tool = _tool()
    for path, text in tool.render().items():
        name = path.relative_to(ROOT)
        assert path.read_text(encoding="utf-8") == text, (
            f"{name} is stale (the public names changed): run `python tools/api_table.py`")


def test_table_lists_names_with_their_kind_and_torch_column():
    table = _tool().numbagrad_names()
    assert table["numbagrad"]["tensor"] == "function"
    assert table["numbagrad"]["nn"] == "module"
    assert table["numbagrad"]["Tensor"] == "class"
    assert table["numbagrad"]["float32"] == "attribute (dtype)"
    assert table["numbagrad.Tensor"]["backward"] == "method"
    assert table["numbagrad.Tensor"]["shape"] == "property"
    assert table["numbagrad.nn.Module"]["training"] == "attribute"
    # helpers that modules import for their own use are not public names
    assert "np" not in table["numbagrad.random"] and "annotations" not in table["numbagrad.cuda"]
    assert "ops" not in table["numbagrad"] and "creation" not in table["numbagrad"]
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "| `linear` | function | yes |" in api
    assert "| `launches` | function | no |" in api  # numbagrad.cuda's own counter


def test_recorded_torch_names_are_sorted_and_cover_every_place():
    tool = _tool()
    recorded = json.loads(tool.TORCH_NAMES.read_text(encoding="utf-8"))
    assert recorded["torch_version"] == "2.13.0"
    for place, names in recorded["names"].items():
        assert names == sorted(set(names)), place
    assert set(recorded["names"]) >= {t for p, t in tool.PLACES.items()
                                      if t and p in tool.numbagrad_names()}
