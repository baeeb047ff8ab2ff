"""The ASGI entry point for servers: ``uvicorn recovery_hub.asgi:app``. Settings from env."""

from .app import create_app

app = create_app()
