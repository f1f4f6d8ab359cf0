"""Write ``docs/api.md``: every public name of numbagrad, module by module, beside torch's.

Usage::

    python tools/api_table.py            # rewrite docs/api.md and README.md's summary table
    python tools/api_table.py --check    # exit 1 when either is stale (what the tests check)
    python tools/api_table.py --torch    # record torch's names into tools/torch_names.json

A name is public when the module lists it in ``__all__``, or, for a module without one, when
it does not start with ``_`` and its object is numbagrad's own (a class or function defined in
numbagrad, an instance of a numbagrad class such as a dtype, or a module of the table below):
``np``, ``sys`` or ``annotations`` imported for a module's own use are not part of the API. A
class's table also lists the special methods numbagrad's classes define (``__add__``,
``__format__``, ...), since they are how operators reach the class.

The torch column needs no torch: ``--torch`` (run where torch is installed) records, for every
module of the table, torch's public names at the same place, and the table reads that file.
Everything is sorted, so two runs over the same package write the same bytes.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import warnings
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
API_MD = ROOT / "docs" / "api.md"
README = ROOT / "README.md"
TORCH_NAMES = ROOT / "tools" / "torch_names.json"
BEGIN = "<!-- api-summary: written by tools/api_table.py -->"
END = "<!-- api-summary end -->"

# numbagrad's place -> torch's (None: numbagrad's own, torchvision's in torch's world). A
# place that this version of numbagrad lacks is skipped, so one may be listed ahead of time.
PLACES: dict[str, str | None] = {
    "numbagrad": "torch",
    "numbagrad.Tensor": "torch.Tensor",
    "numbagrad.nn": "torch.nn",
    "numbagrad.nn.Module": "torch.nn.Module",
    "numbagrad.nn.functional": "torch.nn.functional",
    "numbagrad.nn.init": "torch.nn.init",
    "numbagrad.nn.utils": "torch.nn.utils",
    "numbagrad.nn.utils.rnn": "torch.nn.utils.rnn",
    "numbagrad.optim": "torch.optim",
    "numbagrad.optim.Optimizer": "torch.optim.Optimizer",
    "numbagrad.optim.lr_scheduler": "torch.optim.lr_scheduler",
    "numbagrad.utils.data": "torch.utils.data",
    "numbagrad.utils.dlpack": "torch.utils.dlpack",
    "numbagrad.autograd": "torch.autograd",
    "numbagrad.linalg": "torch.linalg",
    "numbagrad.random": "torch.random",
    "numbagrad.serialization": "torch.serialization",
    "numbagrad.cuda": "torch.cuda",
    "numbagrad.accelerator": "torch.accelerator",
    "numbagrad.backends.cudnn": "torch.backends.cudnn",
    "numbagrad.backends.mps": "torch.backends.mps",
    "numbagrad.compiler": "torch.compiler",
    "numbagrad.compile": None,  # where it is a module; torch's compile is a function
    "numbagrad.testing": "torch.testing",
    "numbagrad.return_types": "torch.return_types",
    "numbagrad.datasets": None,
    "numbagrad.transforms": None,
}
# Special methods every class has or that only Python's machinery reads.
_HOUSEKEEPING = {"__annotations__", "__class__", "__dict__", "__doc__", "__firstlineno__",
                 "__init_subclass__", "__module__", "__new__", "__qualname__", "__slots__",
                 "__static_attributes__", "__subclasshook__", "__weakref__", "__orig_bases__",
                 "__parameters__", "__abstractmethods__", "__init__"}


def _resolve(place: str):
    """The object a user reaches at the dotted ``place`` (importing it first), or None."""
    try:
        importlib.import_module(place)
    except ImportError:  # a class, or a place this version lacks
        pass
    root, *parts = place.split(".")
    obj = importlib.import_module(root)
    for part in parts:
        obj = getattr(obj, part, None)
    return obj


def _sample(cls: type, package) -> object:
    """An instance to list attributes set in ``__init__`` (a tensor, a module), else the class."""
    if cls is package.Tensor:
        return package.tensor([[1.0]])  # a matrix: torch's .mT and .H refuse a vector
    if cls is package.nn.Module:
        return package.nn.Module()
    return cls


def _own(module: ModuleType, name: str, obj) -> bool:
    """Whether ``module.name`` is numbagrad's API rather than an import for the module's use."""
    if isinstance(obj, ModuleType):  # a submodule of the table (or the parent of one)
        full = f"{module.__name__}.{name}"
        return obj.__name__ == full and any(p == full or p.startswith(full + ".")
                                            for p in PLACES)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        return (getattr(obj, "__module__", None) or "").startswith("numbagrad")
    return type(obj).__module__.startswith("numbagrad")


def _module_names(module: ModuleType) -> dict[str, str]:
    declared = getattr(module, "__all__", None)
    if declared is not None:
        names = set(declared)
        names |= {n for n, v in vars(module).items()
                  if isinstance(v, ModuleType) and _own(module, n, v) and not n.startswith("_")}
    else:
        names = {n for n, v in vars(module).items()
                 if not n.startswith("_") and _own(module, n, v)}
    return {name: _kind(getattr(module, name)) for name in names if hasattr(module, name)}


def _kind(obj) -> str:
    if isinstance(obj, ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    public = next(t for t in type(obj).__mro__ if not t.__name__.startswith("_"))
    return f"attribute ({public.__name__})"


def _class_names(cls: type, sample: object) -> dict[str, str]:
    names = {n for n in dir(sample) if not n.startswith("_")}
    for klass in cls.__mro__:
        if klass.__module__.startswith("numbagrad"):
            names |= {n for n in vars(klass) if n.startswith("__") and n.endswith("__")}
    names -= _HOUSEKEEPING
    kinds = {}
    for name in names:
        try:
            static = inspect.getattr_static(cls, name)
        except AttributeError:
            kinds[name] = "attribute"  # set on each instance
            continue
        if isinstance(static, (staticmethod, classmethod)) or inspect.isroutine(static):
            kinds[name] = "method"
        elif inspect.isclass(static):
            kinds[name] = "class"
        elif hasattr(static, "__get__") and not callable(static):
            kinds[name] = "property"
        else:
            kinds[name] = "attribute"
    return kinds


def numbagrad_names() -> dict[str, dict[str, str]]:
    """{place: {name: kind}} for every place of ``PLACES`` that this numbagrad has."""
    import numbagrad

    for place in PLACES:  # import every tabled module first, so the result is order-free
        _resolve(place)
    table = {}
    for place in PLACES:
        obj = _resolve(place)
        if isinstance(obj, ModuleType):
            table[place] = _module_names(obj)
        elif inspect.isclass(obj):
            table[place] = _class_names(obj, _sample(obj, numbagrad))
    return {place: names for place, names in table.items() if names}


def record_torch_names() -> dict:
    """torch's public names at each place (and any of numbagrad's names that torch has)."""
    import torch

    ours = numbagrad_names()
    names = {}
    for place, torch_place in PLACES.items():
        if torch_place is None:
            continue
        obj = _resolve(torch_place)
        if not (isinstance(obj, ModuleType) or inspect.isclass(obj)):
            continue
        sample = _sample(obj, torch) if inspect.isclass(obj) else obj
        found = {n for n in dir(sample) if not n.startswith("_")
                 or (inspect.isclass(obj) and n.startswith("__") and n.endswith("__"))}
        found |= {n for n in ours.get(place, ()) if _has(sample, n)}
        names[torch_place] = sorted(found)
    return {"torch_version": torch.__version__.split("+")[0], "names": names}


def _has(obj, name: str) -> bool:
    """Whether ``obj`` has ``name``, even where reading it warns or raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return hasattr(obj, name)
        except Exception:  # a property that refuses this sample still exists
            return name in dir(type(obj))


def _load_torch_names() -> dict:
    return json.loads(TORCH_NAMES.read_text(encoding="utf-8"))


def render() -> dict[Path, str]:
    """The new text of docs/api.md and README.md."""
    table = numbagrad_names()
    recorded = _load_torch_names()
    version = recorded["torch_version"]
    torch_names = {place: set(names) for place, names in recorded["names"].items()}

    rows, sections, total, total_torch = [], [], 0, 0
    for place, names in table.items():
        torch_place = PLACES[place]
        theirs = torch_names.get(torch_place) if torch_place else None
        both = sum(name in theirs for name in names) if theirs is not None else 0
        total += len(names)
        total_torch += both
        anchor = place.replace(".", "").lower()
        where = f"`{torch_place}`" if torch_place else "numbagrad's own"
        rows.append(f"| [`{place}`](docs/api.md#{anchor}) | {len(names)} | "
                    f"{both if theirs is not None else '-'} | {where} |")
        lines = [f"## {place}", "",
                 f"{len(names)} names; {both} of them also in `{torch_place}`." if theirs is not None
                 else f"{len(names)} names; torch {version} has no such module.", "",
                 "| name | kind | in torch |", "| --- | --- | --- |"]
        for name in sorted(names, key=lambda n: (n.lower(), n)):
            mark = ("yes" if name in theirs else "no") if theirs is not None else "-"
            lines.append(f"| `{name.replace('|', chr(92) + '|')}` | {names[name]} | {mark} |")
        sections.append("\n".join(lines))

    summary = "\n".join(["| place | names | also in torch | torch's place |",
                         "| --- | ---: | ---: | --- |", *rows,
                         f"| all | {total} | {total_torch} | |"])
    api = "\n\n".join([
        "# numbagrad's API, name by name",
        "Written by `python tools/api_table.py` from the package itself: do not edit by hand. "
        f"\"in torch\" says whether torch {version} has the same name at the same place (from "
        "`tools/torch_names.json`, which `python tools/api_table.py --torch` records where torch "
        "is installed). Having a name does not mean having every argument of torch's: see the "
        "README's \"Differences from torch\".",
        summary.replace("(docs/api.md#", "(#"), *sections]) + "\n"

    readme = README.read_text(encoding="utf-8")
    start, end = readme.find(BEGIN), readme.find(END)
    if start >= 0 and end > start:
        readme = readme[:start + len(BEGIN)] + "\n\n" + summary + "\n\n" + readme[end:]
    return {API_MD: api, README: readme}


def stale() -> list[Path]:
    """The files whose text differs from what ``render`` writes."""
    return [path for path, text in render().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    parser.add_argument("--torch", action="store_true",
                        help=f"record torch's names into {TORCH_NAMES.relative_to(ROOT)} first")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.torch:
        TORCH_NAMES.write_text(json.dumps(record_torch_names(), indent=1, sort_keys=True) + "\n",
                               encoding="utf-8")
    if args.check:
        paths = stale()
        for path in paths:
            print(f"{path.relative_to(ROOT)} is stale: run `python tools/api_table.py`")
        return 1 if paths else 0
    API_MD.parent.mkdir(exist_ok=True)
    for path, text in render().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
