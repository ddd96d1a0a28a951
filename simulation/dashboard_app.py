"""Solara entry module of the dashboard: ``solara run simulation.dashboard_app``.

``xbsim dashboard`` runs this. The sidebar has the controls (Reset, ▶/❚❚, Step, the play and
render intervals, the model's parameters; see :class:`simulation.dashboard.Playback` for why
they replace Mesa's SolaraViz controller) and the main area the views, in plain columns
(SolaraViz's draggable grid does not render with the Vue 3 front end installed here). Each
browser session gets its own model, so two tabs do not step the same market.
"""

from __future__ import annotations

import warnings

import solara
import solara.lab

from simulation.dashboard import DashboardControls, DashboardModel, DashboardViews

TITLE = "xbsim: cross-border social e-commerce"

COOKIE_WARNING = r"Cookies with samesite=none require https"
"""Start of the UserWarning Solara's server prints for every new browser session on a plain
http address other than ``localhost`` (it then falls back to a samesite=lax cookie, which is
what a local dashboard wants); only this warning is silenced, and only from that module."""
COOKIE_WARNING_MODULE = r"solara\.server\.starlette"
"""The module that issues it."""



def silence_cookie_warning() -> None:
    """Ignore Solara's samesite cookie warning (that message, category and module only)."""
    warnings.filterwarnings("ignore", message=COOKIE_WARNING, category=UserWarning,
                            module=COOKIE_WARNING_MODULE)


silence_cookie_warning()


@solara.component
def Page() -> None:
    """The dashboard page: the controls in the sidebar and the market's views of one model."""
    initial = solara.use_memo(DashboardModel, dependencies=[])
    model = solara.use_reactive(initial)  # Reset replaces model.value
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
        solara.lab.ThemeToggle()
    with solara.Sidebar(), solara.Column():
        DashboardControls(model)
    DashboardViews(model.value)


page = Page()
"""The page element Solara serves (also displayable in a notebook cell)."""
