"""The interactive dashboard (:mod:`sim.app.dashboard`): ``from sim.app import page;
page`` (or ``compare_page``) shows it in Jupyter. Imports the layers below it, never
:mod:`sim.cli`."""

from sim.app.dashboard import compare_page, page, routes

__all__ = ["compare_page", "page", "routes"]
