"""GraphQL object types. Resolvers receive SQLAlchemy rows as ``self`` and read through loaders."""
