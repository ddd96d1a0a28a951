"""Solara entry module of the dashboard: ``solara run simulation.dashboard_app``.

``xbsim dashboard`` runs this. Mesa's SolaraViz gives the controls (step, play, reset and the
model's parameters); the views are laid out in plain columns next to it (SolaraViz's own
draggable grid does not render with the Vue 3 front end installed here). Each browser session
gets its own model, so two tabs do not step the same market.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from simulation.dashboard import DashboardModel, DashboardViews, model_params

TITLE = "xbsim: cross-border social e-commerce"


@solara.component
def Page() -> None:
    """The dashboard page: SolaraViz's controls and the market's views of the same model."""
    initial = solara.use_memo(DashboardModel, dependencies=[])
    model = solara.use_reactive(initial)  # Reset in SolaraViz replaces model.value
    controls = solara.use_memo(model_params, dependencies=[])
    SolaraViz(model, components=[], model_params=controls, name=TITLE)
    DashboardViews(model.value)


page = Page()
"""The page element Solara serves (also displayable in a notebook cell)."""
