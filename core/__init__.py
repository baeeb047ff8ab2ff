"""The domain: models, services (the only code that writes), the access policy and events.

core imports no GraphQL and no HTTP: schema/, auth/, plugins/ and recovery_hub/ depend on it,
never the other way round.
"""
