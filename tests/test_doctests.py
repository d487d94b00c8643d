"""Every example in harvest's docstrings runs, in every module (issue 19: only some were)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import harvest

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(harvest.__path__, prefix="harvest.")
    if name != "harvest.__main__"  # running it would start the CLI
)


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of(name: str) -> None:
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0, f"{failed} docstring example(s) of {name} failed (run it with -v)"


def test_the_examples_are_found() -> None:
    finder = doctest.DocTestFinder()
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in finder.find(importlib.import_module(name))
    )
    assert examples > 50
