"""Invented partnership data: a small demo world and a large data set for scale tests.

``build()`` is called by ``manage.py seed_demo``: about twelve partner organisations, six
partnerships in every phase (moved there through the services, so their history exists),
coordinators, current participants and historical alumni. It can run any number of times.

``build_scale(rng, scale)`` is called by ``manage.py seed_scale``: the scale data set of
DESIGN.md §4. Other apps contribute to both the same way, from their own ``demo`` module.
"""

from __future__ import annotations

from .scale import build_scale
from .world import build

__all__ = ["build", "build_scale"]
