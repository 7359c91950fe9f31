"""Run by Python at start-up in the test suite's child processes only (``tests/support/
testkdf.py`` puts this folder on their PYTHONPATH): when ``cse_desktop.store.keys`` is first
imported, it gets the test suite's cheap key derivation (``testkdf.enable_on``)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from pathlib import Path
from types import ModuleType

_MODULE = "cse_desktop.store.keys"


class _CheapKdf(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name != _MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)  # type: ignore[arg-type]
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            try:
                from testkdf import enable_on  # type: ignore[import-not-found]
            finally:
                sys.path.pop(0)
            enable_on(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _CheapKdf())
