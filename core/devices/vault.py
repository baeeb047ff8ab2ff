"""Device tokens at rest: encrypted with Fernet (``cryptography``: AES-128-CBC and
HMAC-SHA256, authenticated, with a timestamp), under keys from the settings.

``RECOVERY_HUB_DEVICE_TOKEN_KEYS`` lists keys, newest first: the first encrypts, any decrypts
(``MultiFernet``), so a key is rotated by putting a new one in front and running
``recovery-hub devices rotate-keys``, then removing the old one. A database copied without the
keys holds nothing usable. ``recovery-hub devices new-key`` prints a fresh key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..permissions import ConfigurationError

__all__ = ["TokenVault", "UnreadableToken", "new_key"]


class UnreadableToken(Exception):
    """A token encrypted under a key that is no longer configured, or tampered with."""


def new_key() -> str:
    return Fernet.generate_key().decode()


class TokenVault:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigurationError("device tokens need at least one key "
                                     "(RECOVERY_HUB_DEVICE_TOKEN_KEYS)")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as error:
            raise ConfigurationError(
                "RECOVERY_HUB_DEVICE_TOKEN_KEYS: each key must be 32 url-safe base64-encoded "
                f"bytes (recovery-hub devices new-key makes one): {error}") from None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("a device token cannot be decrypted with the configured "
                                  "keys") from None

    def reseal(self, sealed: str) -> str:
        """The same secret under the newest key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("a device token cannot be decrypted with the configured "
                                  "keys") from None
