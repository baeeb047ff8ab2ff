"""The Fitbit Web API (legacy, being retired in 2026: shared/DOMAIN.md section 4) as a device
provider: OAuth 2 with PKCE through authlib's httpx client, daily steps, main sleeps, weight
logs and resting heart rate, the rate-limit headers, subscriptions and their signed
notifications.

Its replacement, the Google Health API, is not open to new projects; it would be another
provider (a plugin's ``register_device_providers``), with nothing here or in core changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from ..observations.rules import RECORD_TIME_ZONE, Reading, start_of_day
from .providers import (
    AccessRevoked,
    BadResponse,
    BadSignature,
    DeviceReading,
    Fetched,
    Notification,
    ProviderUnavailable,
    RateLimited,
    Tokens,
)

__all__ = ["Fitbit", "FitbitSettings"]

_USER = "/1/user/-"
# How long a limit that did not say when it resets lasts, at most.
_AN_HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FitbitSettings:
    """An app registered at dev.fitbit.com (a "Server" app: it has a secret)."""

    client_id: str
    client_secret: str
    # Registered with the app: the frontend page the person comes back to, which passes
    # the code and state to ``completeDeviceConnection``.
    redirect_uri: str
    authorize_url: str = "https://www.fitbit.com/oauth2/authorize"
    api_url: str = "https://api.fitbit.com"
    # The subscriber's verification code and id (dev.fitbit.com); without an id, no
    # subscriptions: imports run when asked and on `recovery-hub devices sync --due`.
    verification_code: str | None = None
    subscriber_id: str | None = None
    scopes: tuple[str, ...] = ("activity", "heartrate", "sleep", "weight")
    timeout_seconds: float = 15.0


# scope -> (path template, longest span in days per request, what a response gives)
Parser = Callable[[Any], Iterator[DeviceReading]]


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise BadResponse(f"not a date: {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadResponse(f"not a date: {value!r}") from None


def _local(value: Any) -> dt.datetime:
    """Fitbit's times are the person's local time, without an offset."""
    if not isinstance(value, str):
        raise BadResponse(f"not a time: {value!r}")
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=RECORD_TIME_ZONE)
    except ValueError:
        raise BadResponse(f"not a time: {value!r}") from None


def _number(value: Any) -> float:
    # Time series values are strings ("7421"); logs' are numbers.
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadResponse(f"not a number: {value!r}") from None
    return number


def _list(body: Any, key: str) -> list[Any]:
    found = body.get(key) if isinstance(body, dict) else None
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise BadResponse(f"expected a list of objects under {key!r}")
    return found


def _steps(body: Any) -> Iterator[DeviceReading]:
    for day in _list(body, "activities-steps"):
        steps, date = _number(day.get("value")), _date(day.get("dateTime"))
        if steps > 0:  # 0: not worn that day, not a day without a step
            yield DeviceReading(f"steps:{date}", Reading(
                "steps", value=steps, effective_at=start_of_day(date)))


def _sleep(body: Any) -> Iterator[DeviceReading]:
    for log in _list(body, "sleep"):
        if log.get("isMainSleep") is not True:  # naps would count as nights
            continue
        yield DeviceReading(f"sleep:{log.get('logId')}", Reading(
            "sleep", value=_number(log.get("minutesAsleep")),
            second_value=_number(log.get("timeInBed")), effective_at=_local(log.get("endTime"))))


def _weight(body: Any) -> Iterator[DeviceReading]:
    for log in _list(body, "weight"):
        when = _local(f"{_date(log.get('date'))}T{log.get('time') or '00:00:00'}")
        yield DeviceReading(f"weight:{log.get('logId')}", Reading(
            "weight", value=_number(log.get("weight")), effective_at=when))


def _heart(body: Any) -> Iterator[DeviceReading]:
    for day in _list(body, "activities-heart"):
        value = day.get("value")
        if not isinstance(value, dict):
            raise BadResponse("expected an object under 'value'")
        if value.get("restingHeartRate") is None:  # not worn long enough to tell
            continue
        date = _date(day.get("dateTime"))
        yield DeviceReading(f"resting_heart_rate:{date}", Reading(
            "resting_heart_rate", value=_number(value["restingHeartRate"]),
            effective_at=start_of_day(date)))


_COLLECTIONS: tuple[tuple[str, str, int, Parser], ...] = (
    ("activity", "/1/user/-/activities/steps/date/{start}/{end}.json", 1095, _steps),
    ("sleep", "/1.2/user/-/sleep/date/{start}/{end}.json", 100, _sleep),
    ("weight", "/1/user/-/body/log/weight/date/{start}/{end}.json", 31, _weight),
    ("heartrate", "/1/user/-/activities/heart/date/{start}/{end}.json", 365, _heart),
)
# Notification collections we subscribe to, and userRevokedAccess to hear of a withdrawal.
_SUBSCRIBED = ("activities", "body", "sleep", "userRevokedAccess")


def _fitbit_errors(response: httpx2.Response) -> httpx2.Response:
    """authlib compliance hook: Fitbit's token endpoint answers errors as
    ``{"errors": [{"errorType": ...}]}``, not RFC 6749's ``{"error": ...}``."""
    try:
        body = response.json()
    except ValueError:
        return response
    if not isinstance(body, dict) or "errors" not in body or "error" in body:
        return response
    errors = body.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and isinstance(errors[0], dict) else {}
    return httpx2.Response(response.status_code, headers=response.headers,
                          request=response.request,
                          json={"error": first.get("errorType", "invalid_request"),
                                "error_description": first.get("message", "")})


class Fitbit:
    name = "fitbit"
    title = "Fitbit"
    device_kind = "wearable"

    def __init__(self, settings: FitbitSettings, *,
                 transport: httpx2.AsyncBaseTransport | None = None) -> None:
        """``transport``: where requests go (tests: a local double's app)."""
        self.settings = settings
        self._transport = transport

    # --- OAuth 2 -----------------------------------------------------------------------

    def _client(self) -> AsyncOAuth2Client:
        client = AsyncOAuth2Client(
            client_id=self.settings.client_id, client_secret=self.settings.client_secret,
            token_endpoint_auth_method="client_secret_basic",
            revocation_endpoint_auth_method="client_secret_basic",
            scope=" ".join(self.settings.scopes), redirect_uri=self.settings.redirect_uri,
            code_challenge_method="S256", transport=self._transport,
            timeout=self.settings.timeout_seconds)
        client.register_compliance_hook("access_token_response", _fitbit_errors)
        client.register_compliance_hook("refresh_token_response", _fitbit_errors)
        return client

    def authorization_url(self, *, state: str, code_verifier: str) -> str:
        url, _ = self._client().create_authorization_url(
            self.settings.authorize_url, state=state, code_verifier=code_verifier)
        return str(url)

    @staticmethod
    def _tokens(token: Mapping[str, Any], now: dt.datetime) -> Tokens:
        if not token.get("access_token"):
            raise BadResponse("the token response has no access token")
        lifetime = token.get("expires_in")
        return Tokens(
            access_token=str(token["access_token"]),
            refresh_token=token.get("refresh_token"),
            expires_at=(now + dt.timedelta(seconds=int(lifetime))
                        if isinstance(lifetime, int | float) else None),
            scopes=tuple(str(token.get("scope") or "").split()),
            user_id=token.get("user_id"))

    async def _token_call(self, call: Callable[[AsyncOAuth2Client], Any],
                          now: dt.datetime) -> Tokens:
        try:
            async with self._client() as client:
                return self._tokens(await call(client), now)
        except OAuthError as error:
            if error.error in ("invalid_grant", "invalid_token", "unauthorized_client"):
                raise AccessRevoked(f"Fitbit refused the tokens: {error.error}") from None
            raise BadResponse(f"Fitbit's token endpoint: {error.error}") from None
        except httpx2.HTTPStatusError as error:
            self._raise_for(error.response)
            raise
        except (httpx2.TransportError, ValueError) as error:
            raise ProviderUnavailable(f"Fitbit's token endpoint: {error}") from None

    async def exchange_code(self, *, code: str, code_verifier: str, now: dt.datetime
                            ) -> Tokens:
        return await self._token_call(lambda client: client.fetch_token(
            f"{self.settings.api_url}/oauth2/token", grant_type="authorization_code",
            code=code, code_verifier=code_verifier), now)

    async def refresh(self, tokens: Tokens, *, now: dt.datetime) -> Tokens:
        if not tokens.refresh_token:
            raise AccessRevoked("no refresh token")
        refreshed = await self._token_call(lambda client: client.refresh_token(
            f"{self.settings.api_url}/oauth2/token", refresh_token=tokens.refresh_token), now)
        return Tokens(refreshed.access_token, refreshed.refresh_token or tokens.refresh_token,
                      refreshed.expires_at, refreshed.scopes or tokens.scopes,
                      refreshed.user_id or tokens.user_id)

    async def revoke(self, tokens: Tokens) -> None:
        try:
            async with self._client() as client:
                response = await client.revoke_token(
                    f"{self.settings.api_url}/oauth2/revoke",
                    token=tokens.refresh_token or tokens.access_token)
        except httpx2.TransportError as error:
            raise ProviderUnavailable(f"Fitbit's revoke endpoint: {error}") from None
        if response.status_code not in (200, 401):  # 401: already dead
            self._raise_for(response)

    # --- the API -------------------------------------------------------------------------

    def _raise_for(self, response: httpx2.Response) -> None:
        if response.status_code == 429:
            raise RateLimited(self._reset(response) or _AN_HOUR)
        if response.status_code == 401:
            raise AccessRevoked("Fitbit: the access token was refused")
        if response.status_code >= 500:
            raise ProviderUnavailable(f"Fitbit answered {response.status_code}")
        if response.status_code >= 400:
            raise BadResponse(f"Fitbit answered {response.status_code}")

    @staticmethod
    def _reset(response: httpx2.Response) -> dt.timedelta | None:
        """How soon the limit resets: Fitbit says in seconds (at the top of the hour)."""
        seconds = response.headers.get("Fitbit-Rate-Limit-Reset")
        if seconds is None or not seconds.isdigit():
            return None
        return dt.timedelta(seconds=int(seconds))

    async def _call(self, client: httpx2.AsyncClient, method: str, path: str,
                    tokens: Tokens, **kwargs: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        if self.settings.subscriber_id and "apiSubscriptions" in path:
            headers["X-Fitbit-Subscriber-Id"] = self.settings.subscriber_id
        try:
            # No Accept-Language: metric units (kg).
            return await client.request(method, f"{self.settings.api_url}{path}",
                                        headers=headers, **kwargs)
        except httpx2.TransportError as error:
            raise ProviderUnavailable(f"Fitbit: {error}") from None

    def _http(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=self._transport,
                                 timeout=self.settings.timeout_seconds)

    async def fetch(self, tokens: Tokens, since: dt.date, until: dt.date) -> Fetched:
        """Requests one collection and span at a time; stops early (returning what it has,
        with ``resets_in``) when Fitbit says no requests are left, before a 429."""
        found: list[DeviceReading] = []
        remaining: int | None = None
        resets_in: dt.timedelta | None = None
        granted = set(tokens.scopes) or set(self.settings.scopes)
        async with self._http() as client:
            for scope, template, span, parse in _COLLECTIONS:
                if scope not in granted:
                    continue
                start = since
                while start <= until:
                    end = min(until, start + dt.timedelta(days=span - 1))
                    if remaining == 0:  # asking now would be a 429
                        return Fetched(found, False, 0, resets_in or _AN_HOUR)
                    response = await self._call(client, "GET", template.format(
                        start=start.isoformat(), end=end.isoformat()), tokens)
                    if response.status_code == 429:
                        return Fetched(found, False, 0,
                                       self._reset(response) or _AN_HOUR)
                    self._raise_for(response)
                    left = response.headers.get("Fitbit-Rate-Limit-Remaining")
                    remaining = int(left) if left and left.isdigit() else remaining
                    resets_in = self._reset(response) or resets_in
                    try:
                        body = response.json()
                    except ValueError:
                        raise BadResponse(f"Fitbit sent JSON that does not parse ({scope})"
                                          ) from None
                    found.extend(parse(body))
                    start = end + dt.timedelta(days=1)
        return Fetched(found, True, remaining, resets_in)

    async def subscribe(self, tokens: Tokens, subscription_id: str) -> None:
        if not self.settings.subscriber_id:
            return
        async with self._http() as client:
            for collection in _SUBSCRIBED:
                response = await self._call(
                    client, "POST",
                    f"{_USER}/{collection}/apiSubscriptions/{subscription_id}.json", tokens)
                if response.status_code not in (200, 201, 409):  # 409: there already
                    self._raise_for(response)

    async def unsubscribe(self, tokens: Tokens, subscription_id: str) -> None:
        if not self.settings.subscriber_id:
            return
        async with self._http() as client:
            for collection in _SUBSCRIBED:
                response = await self._call(
                    client, "DELETE",
                    f"{_USER}/{collection}/apiSubscriptions/{subscription_id}.json", tokens)
                if response.status_code not in (204, 404):
                    self._raise_for(response)

    # --- notifications -------------------------------------------------------------------

    def verification(self, query: Mapping[str, str]) -> int | None:
        """Fitbit checks a subscriber with two GETs: the right code (204), a wrong one (404)."""
        code = query.get("verify")
        if code is None:
            return None
        expected = self.settings.verification_code or ""
        return 204 if expected and hmac.compare_digest(code, expected) else 404

    def _signed(self, body: bytes) -> str:
        key = f"{self.settings.client_secret}&".encode()
        return base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode()

    def notifications(self, headers: Mapping[str, str], body: bytes) -> list[Notification]:
        given = headers.get("x-fitbit-signature", "")
        if not given or not hmac.compare_digest(given, self._signed(body)):
            raise BadSignature("X-Fitbit-Signature does not match the body")
        try:
            items = json.loads(body)
        except ValueError:
            raise BadResponse("the notification is not JSON") from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadResponse("a notification is a JSON array of objects")
        found = []
        for item in items:
            owner = item.get("ownerId")
            if not isinstance(owner, str) or item.get("ownerType", "user") != "user":
                raise BadResponse("a notification names its owner")
            revoked = item.get("collectionType") == "userRevokedAccess"
            day = None if revoked or item.get("date") is None else _date(item["date"])
            found.append(Notification(owner, item.get("subscriptionId"), day, revoked))
        return found
