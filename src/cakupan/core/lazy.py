"""Lazy re-exports for a package's `__init__` (PEP 562).

A package that re-exports its submodules' names makes `import package.anything` load all of them. Where
some of them pull in Polars, NumPy or xlsxwriter and the package is touched at start-up (an AppConfig's
ready() registering a handler), every command and worker would pay for libraries it may never use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], object]:
    """A module `__getattr__` for `package`: `exports` maps a submodule's name to the names it gives the
    package. A name is imported from its submodule on first use and then kept in the package; a submodule
    not yet imported is imported when asked for as an attribute (`package.submodule`)."""
    home = {name: submodule for submodule, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        namespace = importlib.import_module(package).__dict__
        if name in home:
            value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
            namespace[name] = value
            return value
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{package}.{name}":
                raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
