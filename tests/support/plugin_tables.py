"""The tables the shipped plugins own (their own ``MetaData``, migrated by their own Alembic
branches): the test databases hold them, so fixtures empty and compare them with core's."""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from plugins.advocacy_project.models import AdvocacyBase
from plugins.elft.models import ElftBase

__all__ = ["PLUGIN_METADATA", "PLUGIN_TABLES"]

PLUGIN_METADATA: tuple[MetaData, ...] = (ElftBase.metadata, AdvocacyBase.metadata)
# In dependency order: a plugin's tables refer to core's, never the other way round.
PLUGIN_TABLES: list[Table] = [table for metadata in PLUGIN_METADATA
                              for table in metadata.sorted_tables]
