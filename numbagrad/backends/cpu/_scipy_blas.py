"""Give Numba SciPy's BLAS without importing the whole of ``scipy.linalg``.

Numba calls BLAS (every CPU matrix product here is ``np.dot`` in a kernel) through the C
function table of one extension module, ``scipy.linalg.cython_blas``, which it imports when its
CPU target starts. Importing a submodule runs its package's ``__init__`` first, and
``scipy.linalg``'s imports all of SciPy's linear algebra and its array-API layer, which touches
every NumPy attribute and so imports ``numpy.f2py`` and NumPy's other lazy submodules. That was
0.1-0.25 s of a 0.8-1.2 s start (import and first training step) on the development machines,
for a module that needs none of it.

:func:`load` loads the extension module alone and registers it under its name, so that Numba's
import of it, and its C helpers' lookups of ``dgemm`` and the others, find it. When
``scipy.linalg`` itself is imported later, the import still runs its ``__init__`` as usual;
a one-shot finder then sets its ``cython_blas`` attribute, which the import system sets only on
a submodule it loads itself.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys

NAME = "scipy.linalg.cython_blas"
PARENT = "scipy.linalg"


def load() -> None:
    """Load ``scipy.linalg.cython_blas`` without ``scipy.linalg``; do nothing when not needed.

    Nothing happens when ``scipy.linalg`` is imported already, or when anything about the module
    differs from what this expects: Numba's own import then loads it the usual way.
    """
    if PARENT in sys.modules or NAME in sys.modules:
        return
    try:
        package = importlib.util.find_spec(PARENT)  # imports ``scipy``, not ``scipy.linalg``
        spec = importlib.machinery.PathFinder.find_spec(NAME, package.submodule_search_locations)
        if not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "__pyx_capi__"):  # what Numba reads the function pointers from
            return
    except Exception:  # noqa: BLE001 - any surprise: leave it to the usual import
        return
    sys.modules[NAME] = module
    sys.meta_path.insert(0, _LinkOnParentImport())


class _LinkOnParentImport(importlib.abc.MetaPathFinder):
    """Sets ``scipy.linalg.cython_blas`` on ``scipy.linalg`` once ``scipy.linalg`` is imported."""

    def find_spec(self, fullname, path, target=None):
        """Find ``scipy.linalg`` as usual, with a loader that links the preloaded child."""
        if fullname != PARENT:
            return None
        sys.meta_path.remove(self)  # one shot: no cost on any later import
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_link(module):
            exec_module(module)
            if NAME in sys.modules:
                module.cython_blas = sys.modules[NAME]

        spec.loader.exec_module = exec_and_link
        return spec
