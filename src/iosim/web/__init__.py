"""The web app behind ``iosim serve``: a plain-language explainer and a workbench.

``create_app`` builds the FastAPI application; ``api`` is the JSON API, ``jobs`` the trial
queue, ``pages`` the HTML pages (Jinja2 templates, local htmx and Plotly: no CDN).
"""

from iosim.web.app import create_app

__all__ = ["create_app"]
