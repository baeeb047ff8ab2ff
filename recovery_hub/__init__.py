"""The composition root: settings, ``create_app()`` (recovery_hub.app) and the CLI
(recovery_hub.cli). Nothing imports it."""
