"""The Advocacy Project's GraphQL API."""
