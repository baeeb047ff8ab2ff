"""GraphQL object types. Resolvers receive SQLAlchemy rows as ``self`` and read through loaders."""

from ._node import ModelNode

__all__ = ["ModelNode"]
