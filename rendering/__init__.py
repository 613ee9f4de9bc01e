"""How SQL is rendered: a playbook's template + typed parameters + the Segment relations -> one
statement in PostgreSQL's dialect with every value bound (render.py), and rows read from another
warehouse joined in as bound VALUES (lookups.py).
"""

from .render import RenderContext, RenderedQuery, RenderError, render

__all__ = ["RenderContext", "RenderError", "RenderedQuery", "render"]
