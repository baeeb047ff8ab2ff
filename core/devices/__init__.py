"""Devices: accounts a person connects (a Fitbit) and devices they were lent, imported from
idempotently, rate-limit aware, for that person only (docs/health-record.md).

    providers.py    what a provider does (the interface a plugin implements) and its errors
    fitbit.py       the Fitbit Web API as a provider
    registry.py     the providers and the token vault, built at start-up (``uow.devices``)
    vault.py        tokens encrypted at rest (Fernet)
    models.py       device, token and connection-under-way tables
    connections.py  connecting (OAuth 2 + PKCE), disconnecting, lent devices, key rotation
    sync.py         importing: one device, the due ones, readings pushed another way
    webhooks.py     a provider's notifications, checked, marking devices due
    reading.py      batch readers for the API
"""
