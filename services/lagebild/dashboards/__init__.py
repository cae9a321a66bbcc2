"""Grafana dashboards as code (grafana-foundation-sdk), written to ``deploy/grafana/``.

``python -m lagebild.dashboards`` regenerates the committed JSON; ``--check`` fails when it is
stale. The SDK is a development dependency: nothing at run time imports this package.
"""

from lagebild.dashboards.render import OUTPUTS, render_all

__all__ = ["OUTPUTS", "render_all"]
