"""When a compiled step may be reused: the call's key and the checks on the world it reads.

Two levels, as torch's guards:

* :func:`call_key` describes the arguments (each tensor's shape, dtype, device and
  ``requires_grad``, and a leaf that requires grad by identity too; each number, string or
  None by value; any other object by identity), grad mode and the default dtype. A compiled
  step is looked up by this key.
* :class:`WorldGuard` holds what the capture read outside the arguments: the parameters,
  buffers and submodules of the modules it called (the module still holds the same objects),
  the arrays of the leaves it accumulated into (``p.data`` not replaced, ``requires_grad``
  unchanged), the gradients it added into in place, the tensors, modules, optimizers,
  functions and other objects named by the function's globals and closure variables (by
  identity), the numbers, strings, booleans and None they name (by value), and the same kinds
  of attributes of every module called (``training``, a ``self.scale``: by value; a
  ``self.act``: by identity). Plain configuration objects (an ``argparse.Namespace``, a
  ``SimpleNamespace``, an instance of the user's own class, a dict) named by the function or
  held by a module's public attribute have their such values guarded too (``cfg.scale``,
  ``config["dropout"]``, ``self.cfg.scale``). Containers the step may take numbers from are
  compared by content (:func:`fingerprint`, up to ``_DEEP_MAX`` values each): lists, tuples,
  dicts, sets and small NumPy arrays the function names, configuration objects it names
  (``cfg.train.lr``), and the attributes of the user's module classes that their methods read
  (``self.scales[0]``; not a ``self.history`` they only assign); and the call's arguments
  that are containers or configuration objects (which the call key names by identity). A
  compiled bound method's ``self`` is searched as a function's globals are: the attributes its
  class's methods read. Any change sends the call back to a new capture. A user's optimizer
  class with its own ``step`` is guarded on its ``param_groups``.

numbagrad's optimizers' hyper-parameters are not guarded: they are read at every call (see
:mod:`numbagrad.compile.codegen`), so a scheduler or an edited ``lr`` takes effect at once.
"""
from __future__ import annotations

import dis
import operator
import types

import numpy as np

from numbagrad import dtypes as _dtypes
from numbagrad.autograd.grad_mode import _enabled
from numbagrad.tensor import Tensor


_KINDS: dict = {}  # type -> how its values are described: "T", "V", "S" (a sequence), "O"


def _kind(cls) -> str:
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, Tensor):
            kind = "T"
        elif cls is type(None) or issubclass(cls, (bool, int, float, str)):
            kind = "V"
        elif issubclass(cls, (tuple, list)):
            kind = "S"
        else:
            kind = "O"
        if len(_KINDS) < 4096:  # the kind of a type never changes; keep the table bounded
            _KINDS[cls] = kind
    return kind


def _describe(value):
    # By the value's type, looked up once per type (``isinstance`` misses cost most here).
    kind = _KINDS.get(type(value)) or _kind(type(value))
    if kind == "T":
        a = value._data
        if value._requires_grad and value.grad_fn is None:
            # A leaf that requires grad (a parameter passed as an argument) is one of the
            # step's own tensors: by identity (the step holds it, so its id is not reused).
            return ("T", a.shape, a.dtype, value._device, True, id(value))
        return ("T", a.shape, a.dtype, value._device, value._requires_grad)
    if kind == "V":
        return ("V", type(value), value)
    if kind == "S" and len(value) <= 8:
        return (type(value),) + tuple([_describe(v) for v in value])
    return ("O", id(value))


def call_key(args: tuple, kwargs: dict) -> tuple:
    """The key a compiled step is stored under for a call with ``args`` and ``kwargs``."""
    key = tuple([_describe(a) for a in args])
    if kwargs:
        key += tuple([(k, _describe(v)) for k, v in sorted(kwargs.items())])
    # Grad mode, and the default dtype: ``torch.ones(3)`` inside the step made float32 arrays.
    return key + (_enabled.get(), _dtypes._default_float)


_CONFIG_MAX = 64  # a configuration object with more entries than this is not guarded


def _plain(value) -> bool:
    """A number, string, boolean or None, or a short tuple of them: what a capture may replay
    as a constant, so what is guarded by value."""
    kind = _KINDS.get(type(value)) or _kind(type(value))
    if kind == "V":
        return True
    return type(value) is tuple and len(value) <= 8 and all(
        _kind(type(v)) == "V" for v in value)


def _config_dict(obj):
    """The dict holding a configuration object's values (its ``__dict__``, or the dict
    itself), or None for anything else: numbagrad's own objects and those of classes derived
    from numbagrad's (a user's optimizer: guarded otherwise), functions, classes, modules of
    Python, callables (a loss function, a model)."""
    if type(obj) is dict:
        return obj
    d = getattr(obj, "__dict__", None)
    if (type(d) is not dict or isinstance(obj, (type, types.ModuleType)) or callable(obj)
            or _numbagrad_class(type(obj))):
        return None
    return d


_NUMBAGRAD_CLASSES: dict = {}  # class -> whether it or a base class is numbagrad's


def _numbagrad_class(cls) -> bool:
    found = _NUMBAGRAD_CLASSES.get(cls)
    if found is None:
        found = any((getattr(k, "__module__", None) or "").split(".")[0] == "numbagrad"
                    for k in cls.__mro__)
        if len(_NUMBAGRAD_CLASSES) < 4096:
            _NUMBAGRAD_CLASSES[cls] = found
    return found


def named_objects(fn, roots=()) -> list:
    """``(namespace, name, object)`` for the tensors, modules, optimizers, generators, plain
    values (numbers, strings, booleans, None) and configuration objects (see
    :func:`_config_dict`) that ``fn`` names in its globals or closure: what it reads without
    being passed it. The same is gathered from the user's functions it names (a helper called
    from the step) and from the ``forward`` of the user's module classes among those objects
    and ``roots`` (the modules passed as arguments), a few calls deep: numbagrad's own code
    is not searched."""
    found, seen = [], set()
    _gather(fn, found, seen, 3)
    owner = getattr(fn, "__self__", None)  # a bound method: what it reads through ``self``
    if owner is not None and _users(type(owner)):
        _gather_owner(owner, found, seen)
    for root in roots:
        _forwards(root, found, seen, 3)
    return found


def _gather_owner(owner, found: list, seen: set) -> None:
    """:func:`_gather` for the object a compiled bound method belongs to (a trainer holding a
    model, an optimizer and settings): the attributes its class's methods read, as if they
    were globals, and the globals of those methods."""
    from numbagrad.nn.module import Module

    if isinstance(owner, Module):  # its parameters and attributes, as a module argument's
        found.append(({"self": owner}, "self", owner))
        _forwards(owner, found, seen, 3)
        return
    d = getattr(owner, "__dict__", None)
    if type(d) is not dict:
        return
    for name in sorted(_read_names(type(owner)) & d.keys()):
        value = d[name]
        if _collected(value) and (id(d), name) not in seen:
            seen.add((id(d), name))
            found.append((d, name, value))
            _forwards(value, found, seen, 3)
    for klass in type(owner).__mro__:
        if _users(klass):
            for member in vars(klass).values():
                if isinstance(member, types.FunctionType):
                    _gather(member, found, seen, 2)


def _collected(value) -> bool:
    """Whether an attribute of a compiled bound method's object is one the guards keep: a
    tensor, a module, an optimizer, a generator, a plain value, a configuration object or a
    container."""
    from numbagrad.nn.module import Module
    from numbagrad.optim.optimizer import Optimizer
    from numbagrad.random.generator import Generator

    kinds = (Tensor, Module, Optimizer, Generator, bool, int, float, str, type(None))
    return isinstance(value, kinds) or _config_dict(value) is not None or isinstance(
        value, (list, tuple, set, frozenset, np.ndarray))


def _gather(fn, found: list, seen: set, depth: int) -> None:
    code = getattr(fn, "__code__", None)
    if code is None or id(code) in seen or depth <= 0:
        return
    seen.add(id(code))
    values = []
    globals_ = getattr(fn, "__globals__", {})
    for name in sorted(set(code.co_names) & set(globals_)):
        values.append((globals_, name, globals_[name]))
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            values.append((cell, None, cell.cell_contents))
        except ValueError:  # an empty cell
            continue
    for ns, name, value in values:
        # Everything named is guarded, a function or a class by identity (``act = torch.tanh``
        # after the capture of ``act = torch.relu`` retraces).
        key = (id(ns), name)
        if key not in seen:
            seen.add(key)
            found.append((ns, name, value))
        if isinstance(value, types.FunctionType) and _users(value):
            _gather(value, found, seen, depth - 1)
        else:
            _forwards(value, found, seen, depth)


def _users(obj) -> bool:
    """Whether ``obj`` (a function or a class) is the user's, not numbagrad's or Python's."""
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] not in ("numbagrad", "builtins", "numpy")


def _forwards(obj, found: list, seen: set, depth: int) -> None:
    """:func:`_gather` over the ``forward`` of each of the user's module classes in ``obj``."""
    from numbagrad.nn.module import Module

    if isinstance(obj, Module):
        for sub in obj.modules():
            forward = getattr(type(sub), "forward", None)
            if isinstance(forward, types.FunctionType) and _users(forward):
                _gather(forward, found, seen, depth - 1)


_MISSING = object()


_call = getattr(operator, "call", lambda f, x: f(x))  # operator.call: Python 3.11


class _Getter:
    """``operator.itemgetter`` of some keys that always returns a tuple and names its keys."""

    def __init__(self, keys):
        self.keys = keys
        # The C getter (for one key its value, not a tuple), also WorldGuard's fast test.
        self.raw = operator.itemgetter(*keys) if keys else None

    def __call__(self, d) -> tuple:
        if len(self.keys) > 1:
            return self.raw(d)
        return (d[self.keys[0]],) if self.keys else ()


def _plain_values(d: dict, what: str) -> tuple:
    """``(d, getter, values, what)`` for the entries of ``d`` that hold plain values
    (:func:`_plain`): what code reading them may have replayed as constants."""
    keys = tuple(k for k, v in d.items() if _plain(v))
    getter = _Getter(keys)
    return d, getter, getter(d), what


_DEEP_MAX = 64  # values a container guarded by content may hold, nested ones included


class _TooBig(Exception):
    pass


def is_container(value) -> bool:
    """A list, a tuple that is not plain, a dict, a set, a small NumPy array or a
    configuration object: what the step may read values from (``scales[0]``,
    ``cfg.train.lr``) that :func:`_plain` does not cover."""
    return (isinstance(value, (list, tuple, dict, set, frozenset, np.ndarray))
            or _config_dict(value) is not None) and not _plain(value)


def fingerprint(value, keep, budget: list):
    """A comparable summary of ``value``'s content: plain values by type and value, NumPy
    arrays by dtype, shape and bytes, containers and configuration objects entry by entry,
    anything else (a tensor, a module, a function) by identity (held in the list ``keep``, so
    that its id is not reused). With ``keep`` None (an argument's content) a tensor is only
    "a tensor": the call key describes the arguments' tensors, which are new at each call.
    Raises ``_TooBig`` past ``budget[0]`` values."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    cls = type(value)
    kind = _KINDS.get(cls) or _kind(cls)
    if kind == "V":
        return (cls, value)
    if cls is list or cls is tuple:
        return (cls, tuple([fingerprint(v, keep, budget) for v in value]))
    if cls is dict:
        return (dict, tuple([(fingerprint(k, keep, budget), fingerprint(v, keep, budget))
                             for k, v in value.items()]))
    if cls is set or cls is frozenset:
        return (cls, frozenset([fingerprint(v, keep, budget) for v in value]))
    if cls is np.ndarray:
        if value.size > _DEEP_MAX:
            raise _TooBig
        return (cls, value.dtype.str, value.shape, value.tobytes())
    if kind == "T" and keep is None:
        return "T"
    d = _config_dict(value) if kind == "O" else None
    if d is not None:
        return (cls, id(value), fingerprint(d, keep, budget))
    if keep is not None:
        keep.append(value)
    return ("id", id(value))


def _bounded_fingerprint(value, keep):
    """:func:`fingerprint` of ``value`` within ``_DEEP_MAX`` values, or None past them."""
    try:
        return fingerprint(value, keep, [_DEEP_MAX])
    except (_TooBig, RecursionError):
        return None


def _deep(ns, name, value, what: str):
    """A guard entry ``(namespace, name, fingerprint, what, keep)`` for a container read
    through ``ns[name]`` (a dict, or a closure cell with ``name`` None), or None where it
    holds more than ``_DEEP_MAX`` values (then left unguarded, as before)."""
    keep: list = []
    fp = _bounded_fingerprint(value, keep)
    return None if fp is None else (ns, name, fp, what, keep)


def _read_names(cls) -> set:
    """The attribute names the methods of the user's class ``cls`` (and its user base
    classes) read (``self.scales``; not the ones they only assign, as ``__init__`` does): the
    attributes its ``forward`` and helpers may take values from."""
    names: set = set()
    for klass in cls.__mro__:
        if not _users(klass):
            continue
        for member in vars(klass).values():
            code = getattr(member, "__code__", None)
            if code is not None:
                _attribute_reads(code, names)
    return names


def _attribute_reads(code, names: set) -> None:
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            names.add(ins.argval)
    for const in code.co_consts:  # comprehensions and nested functions
        if isinstance(const, types.CodeType):
            _attribute_reads(const, names)


def _guarded_dicts(module) -> list:
    """The module's attributes (``training``, sizes, a ``self.scale``) and those of the
    configuration objects its public attributes hold (``self.cfg``), as :func:`_plain_values`."""
    out = [_plain_values(module.__dict__, "a module attribute")]
    for k, v in module.__dict__.items():
        if not k.startswith("_"):
            d = _config_dict(v)
            if d is not None and len(d) <= _CONFIG_MAX:
                out.append(_plain_values(d, f"an attribute of the module's {k!r}"))
    return out


class WorldGuard:
    """The checks of one compiled step on what it reads outside its arguments."""

    def __init__(self, named, modules, leaves, grads_in_place, own_steps=(), arguments=()):
        """``own_steps``: the optimizers whose class has its own ``step`` (a user's optimizer),
        whose Python read the hyper-parameters in ``param_groups`` as plain numbers: the
        step replays them as constants, so they are guarded by value (a scheduler changing the
        learning rate retraces), and the groups and their parameter lists by identity.
        ``arguments``: ``(where, key, value)`` for the call's arguments that are containers or
        configuration objects (``where`` "a" or "k", ``key`` a position or a name), which the
        call key names by identity only: their content is compared at each call."""
        from numbagrad.nn.module import Module

        self.named = [(ns, name, obj) for ns, name, obj in named]
        # A plain value named by the function (a learning-rate-like global, a flag) is compared
        # by value; a captured step replays it as the constant it was.
        self.named_values = [(ns, name, obj) for ns, name, obj in named
                             if _kind(type(obj)) == "V"]
        self.named = [item for item in self.named if _kind(type(item[2])) != "V"]
        # per guarded dict (a module's, a configuration object's): (dict, getter, values, what)
        self.attributes = []
        # Containers compared by content (:func:`fingerprint`): those the function names
        # (``scales = [0.5]``, a configuration object, whose nested values the step may read:
        # ``cfg.train.lr``) and the user's modules' attributes their methods name.
        self.deep = []
        for ns, name, obj in self.named:
            what = name or "a closure variable"
            d = _config_dict(obj)
            if d is not None and len(d) <= _CONFIG_MAX:
                self.attributes.append(_plain_values(d, f"a value of {what}"))
            if is_container(obj):
                self.deep.append(_deep(ns, name, obj, what))
        tensors = {}
        params = []
        for _, _, obj in named:
            if isinstance(obj, Tensor):
                tensors[id(obj)] = obj
            elif isinstance(obj, Module):
                modules = list(modules) + [obj]
        seen = set()
        for m in modules:
            for sub in m.modules():
                if id(sub) in seen:
                    continue
                seen.add(id(sub))
                self.attributes += _guarded_dicts(sub)
                # Attributes that are neither plain (above) nor modules or tensors (guarded
                # below): containers by content, functions and other objects by identity
                # (``self.act = torch.tanh``). Of the user's classes, those their methods
                # read; of numbagrad's, the public ones.
                d = sub.__dict__
                names = (_read_names(type(sub)) & d.keys() if _users(type(sub))
                         else [k for k in d if not k.startswith("_")])
                for k in sorted(names):
                    v = d[k]
                    if isinstance(v, Tensor):
                        # A tensor held as a plain attribute (the module's __dict__ mirrors
                        # its parameters and buffers too: those are guarded below).
                        if k not in sub._parameters and k not in sub._buffers:
                            params.append((d, k, v, "tensor attribute"))
                            tensors[id(v)] = v
                    elif not (_plain(v) or isinstance(v, Module)):
                        self.deep.append(_deep(d, k, v, f"module attribute {k!r}"))
                for name, child in sub._modules.items():
                    params.append((sub._modules, name, child, "submodule"))
                for name, p in sub._parameters.items():
                    params.append((sub._parameters, name, p, "parameter"))
                    if p is not None:
                        tensors[id(p)] = p
                # Buffers as parameters: a step writing BatchNorm's running statistics
                # writes the arrays it was captured with.
                for name, b in sub._buffers.items():
                    params.append((sub._buffers, name, b, "buffer"))
                    if b is not None:
                        tensors[id(b)] = b
        for t in leaves:
            tensors[id(t)] = t
        self.groups = []
        for opt in own_steps:
            name = type(opt).__name__
            groups = opt.param_groups
            self.groups.append((opt, groups, list(groups),
                                [(g["params"], len(g["params"])) for g in groups]))
            for i, g in enumerate(groups):
                self.attributes.append(_plain_values(g, f"{name}.param_groups[{i}]"))
        self.deep = [entry for entry in self.deep if entry is not None]
        self.arguments = []
        for where, key, value in arguments:
            fp = _bounded_fingerprint(value, None)
            if fp is None:
                continue
            what = f"argument {key!r}" if where == "k" else f"argument {key}"
            self.arguments.append((0 if where == "a" else 1, key, fp, what))
        self.params = params
        self.tensors = [(t, t._data, t._requires_grad) for t in tensors.values()]
        self.grads = [(t, g) for t, g in grads_in_place]
        # The guarded dicts' checks as columns, compared in one C loop (``map``): 1.6 µs
        # instead of 2.9 for the 18 dicts of a model of 17 modules.
        guarded = [(d, getter) for d, getter, _, _ in self.attributes if getter.keys]
        self._dicts = [d for d, _ in guarded]
        self._getters = [getter.raw for _, getter in guarded]
        self._values = [getter.raw(d) for d, getter in guarded]

    def failure(self, args: tuple = (), kwargs: dict | None = None) -> str | None:
        """Why the world (and the content of the call's container arguments ``args`` and
        ``kwargs``) no longer matches the capture, or None when it does."""
        for where, key, fp, what in self.arguments:
            if _bounded_fingerprint((args, kwargs)[where][key], None) != fp:
                return f"the content of {what} changed"
        for ns, name, obj in self.named:
            now = ns.cell_contents if name is None else ns.get(name)
            if now is not obj:
                return f"{name or 'a closure variable'} now names another object"
        for ns, name, value in self.named_values:
            now = ns.cell_contents if name is None else ns.get(name, _MISSING)
            if now is not value and (type(now) is not type(value) or now != value):
                return f"{name or 'a closure variable'} changed from {value!r} to {now!r}"
        try:
            same = list(map(_call, self._getters, self._dicts)) == self._values
        except KeyError:  # an entry was deleted: the loop below says which
            same = False
        if not same:
            for d, getter, values, what in self.attributes:
                try:
                    now = getter(d)
                except KeyError:
                    return f"{what} was deleted"
                if now != values:
                    return f"{what} changed (" + ", ".join(
                        f"{k}: {a!r} -> {b!r}" for k, a, b in zip(getter.keys, values, now)
                        if a != b) + ")"
        for ns, name, fp, what, _ in self.deep:
            now = ns.cell_contents if name is None else ns.get(name, _MISSING)
            if _bounded_fingerprint(now, []) != fp:
                if fp[0] == "id":  # a function or another object, by identity
                    return f"{what} now names another object"
                return f"the content of {what} changed"
        for opt, groups, dicts, params in self.groups:
            if (opt.param_groups is not groups or len(groups) != len(dicts)
                    or any(g is not d or g["params"] is not p or len(p) != n
                           for g, d, (p, n) in zip(groups, dicts, params))):
                return f"{type(opt).__name__}'s param_groups changed"
        for d, name, p, what in self.params:
            if d.get(name) is not p:
                return f"{what} {name!r} was replaced"
        for t, data, requires in self.tensors:
            if t._data is not data:
                return f"a tensor's data was replaced (shape {list(t._data.shape)})"
            if t._requires_grad is not requires:
                return "a tensor's requires_grad changed"
        for t, g in self.grads:
            if t._grad is None or t._grad._data is not g:
                return "a gradient accumulated into in place was replaced"
        return None
