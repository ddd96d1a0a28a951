"""Published figures: one module per figure (a spec plus a plotting function).

:mod:`experiments.figures.registry` builds and verifies them.
"""
