"""Figures for files, drawn without pyplot.

Importing a module that writes figures must never switch the user's matplotlib backend, so
that a notebook keeps its inline plots while reports are written.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_figure(*grid: int, figsize: tuple[float, float], squeeze: bool = True
               ) -> tuple[Figure, Axes]:
    """A constrained-layout figure and its axes grid (``fig.subplots(*grid)``)."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(*grid, squeeze=squeeze)
