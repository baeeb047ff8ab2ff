# Recovery Hub's fixtures for plugin authors: recovery_hub_platform and its database.
pytest_plugins = ["recovery_hub.testing"]
