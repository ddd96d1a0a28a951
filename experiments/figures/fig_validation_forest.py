"""Figure: the model's effects against the stylized facts' bands (validation forest plot)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from experiments.figures.registry import FigureSpec
from experiments.figures.sources import ValidationSource
from experiments.validation import draw_forest

LEGEND = "blue = pass, red = fail, grey = model input; green tick = the reported figure"


def draw(data: pd.DataFrame, fig: Figure) -> None:
    """Each tested quantity as its distance from the band centre, in band half-widths."""
    draw_forest(fig.subplots(), data, LEGEND)


FIGURE = FigureSpec(
    name="validation_forest",
    title="Validation: model effects (95% CI) against the literature's bands",
    caption="Each stylized fact of experiments/validation/facts.yaml: the model's effect of "
            "the lever (paired baseline and treatment runs, common seeds, 10 replications) "
            "with its 95% CI, on an axis scaled so that every fact's band is [-1, 1].",
    source=ValidationSource(replications=10),
    draw=draw, figsize=(11, 6),
)
