"""The GraphQL API: Strawberry types, queries, mutations, DataLoaders and error mapping.

Thin by design: a resolver validates shape, calls a core service, maps the result.
"""
