"""The examples in docstrings of the pure modules are correct."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("simulation.pricing", "simulation.checkout", "simulation.fulfilment",
           "simulation.metrics", "simulation.culture", "simulation.model",
           "simulation.levers.base", "simulation.targeting", "simulation.advertising",
           "simulation.cart_recovery")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
