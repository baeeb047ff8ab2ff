"""The ASGI entry point for servers: ``uvicorn recovery_hub.asgi:app``. Settings from env."""

from .app import create_app
from .logs import configure_logging
from .settings import Settings

settings = Settings.from_env()
configure_logging(format=settings.log_format or ("console" if settings.development else "json"),
                  level=settings.log_level)
app = create_app(settings)
