"""Schema migrations (Alembic), run from code: ``recovery-hub db upgrade`` and the tests.

Core's revisions live in core/migrations/versions. Each enabled plugin may add version
directories for its own tables (hook ``migration_directories``); a plugin's revisions form
their own branch, whose first revision ``depends_on`` a core revision.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .db import normalise_database_url
from .permissions import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

    from .plugins import Plugins

# Alembic is imported where it is used: a server process needs it only if /readyz is asked,
# and importing it (with Mako) costs a worker's start-up a few hundred milliseconds.

__all__ = ["Heads", "alembic_config", "upgrade", "upgrade_async"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, extra_version_locations: Sequence[str] = ()) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("path_separator", "os")
    locations = [str(_MIGRATIONS / "versions"), *extra_version_locations]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    url = normalise_database_url(database_url).render_as_string(hide_password=False)
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads", *, plugins: Plugins | None = None) -> None:
    """Bring the database to the latest schema: core's and that of every enabled plugin with
    migrations. Idempotent."""
    from alembic import command
    from alembic.util import CommandError

    locations = plugins.migration_directories() if plugins is not None else []
    try:
        command.upgrade(alembic_config(database_url, locations), revision)
    except CommandError as error:
        if "Can't locate revision" not in str(error):
            raise
        # A plugin that migrated this database was disabled or uninstalled since.
        raise ConfigurationError(
            f"the database was migrated by a plugin that is not enabled now ({error}); "
            "enable that plugin in plugins.toml (or install it again) and upgrade again"
        ) from None


class Heads:
    """Whether a database is at the revisions this code expects: core's and each enabled
    plugin's. (A revision another depends on has no row of its own in ``alembic_version``.)"""

    def __init__(self, database_url: str, plugins: Plugins | None = None) -> None:
        from alembic.script import ScriptDirectory

        locations = plugins.migration_directories() if plugins is not None else []
        self.script = ScriptDirectory.from_config(alembic_config(database_url, locations))
        self.expected = set(self.script.get_heads())

    def missing(self, recorded: set[str]) -> list[str]:
        """The expected heads that the revisions recorded in the database do not reach."""
        from alembic.util import CommandError

        try:
            applied = {revision.revision
                       for revision in self.script.iterate_revisions(tuple(recorded), "base")}
        except CommandError:  # a revision this code does not know: newer code migrated it
            return sorted(self.expected - recorded)
        return sorted(self.expected - applied)


async def upgrade_async(
    database_url: str, revision: str = "heads", *, plugins: Plugins | None = None
) -> None:
    """``upgrade`` from inside a running event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(upgrade, database_url, revision, plugins=plugins)
