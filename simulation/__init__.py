"""xbsim: agent-based market simulation of cross-border social e-commerce (Mesa).

The public entry points are :class:`~simulation.model.MarketModel` and the spec classes in
:mod:`simulation.spec`.
"""

from simulation.model import MarketModel
from simulation.spec import MarketSpec, SellerSpec, load_spec

__all__ = ["MarketModel", "MarketSpec", "SellerSpec", "load_spec"]
