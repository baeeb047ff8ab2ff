"""The composition root: settings, ``create_app()`` and the CLI. Nothing imports it."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
