"""A local stand-in for the Fitbit Web API, speaking its documented HTTP shapes
(shared/DOMAIN.md section 4): OAuth 2 with PKCE (S256) and HTTP Basic client authentication,
single-use rotating refresh tokens, revocation; steps, sleep (v1.2), weight logs and heart
rate between two dates; 150 requests per user per hour with the ``Fitbit-Rate-Limit-*``
headers and 429; subscriptions; and signed notifications (``X-Fitbit-Signature``).

Tests reach it through ``httpx2.ASGITransport`` (``double.transport``): never the internet.
Its clock is the test's (``double.now``), so tokens expire and limits reset when the test
says.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["FitbitAccount", "FitbitDouble"]

CLIENT_ID = "23RHUB"
CLIENT_SECRET = "double-secret-0123456789"
REDIRECT_URI = "https://app.example.org/devices/fitbit/return"
TOKEN_LIFETIME = dt.timedelta(hours=8)
_SPANS = {"steps": 1095, "sleep": 100, "weight": 31, "heart": 366}


def _error(status: int, error_type: str, message: str = "",
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"errorType": error_type, "message": message}],
                         "success": False}, status_code=status, headers=headers)


@dataclass
class FitbitAccount:
    """One Fitbit user's data, by day."""

    user_id: str
    steps: dict[dt.date, int] = field(default_factory=dict)
    sleep: list[dict[str, Any]] = field(default_factory=list)
    weight: list[dict[str, Any]] = field(default_factory=list)
    resting_heart_rate: dict[dt.date, int] = field(default_factory=dict)

    def a_month(self, last_day: dt.date, days: int = 30) -> FitbitAccount:
        """Believable data for ``days`` days up to ``last_day``: steps every day, a night's
        sleep and a nap most days, a weigh-in twice a week, resting heart rate."""
        for n in range(days):
            day = last_day - dt.timedelta(days=n)
            self.steps[day] = 4000 + (n * 731) % 5000
            self.resting_heart_rate[day] = 68 + n % 5
            self.add_sleep(day, log_id=8_000_000 + n, asleep=390 + n % 60,
                           in_bed=430 + n % 60)
            if n % 3 == 0:  # a nap: not a night
                self.add_sleep(day, log_id=9_000_000 + n, asleep=30, in_bed=35, main=False,
                               end="15:10:00")
            if day.weekday() in (0, 3):
                self.weight.append({"bmi": 29.1, "date": day.isoformat(),
                                    "logId": 7_000_000 + n, "source": "Aria",
                                    "time": "07:45:10", "weight": 88.2 - n / 10, "fat": 28.1})
        return self

    def add_sleep(self, day: dt.date, *, log_id: int, asleep: int, in_bed: int,
                  main: bool = True, end: str = "07:05:00") -> None:
        ended = dt.datetime.fromisoformat(f"{day.isoformat()}T{end}")
        self.sleep.append({
            "dateOfSleep": day.isoformat(), "duration": in_bed * 60_000, "efficiency": 92,
            "startTime": (ended - dt.timedelta(minutes=in_bed)).isoformat(timespec="milliseconds"),
            "endTime": ended.isoformat(timespec="milliseconds"), "infoCode": 0,
            "isMainSleep": main, "logId": log_id, "logType": "auto_detected",
            "minutesAsleep": asleep, "minutesAwake": in_bed - asleep,
            "minutesAfterWakeup": 0, "minutesToFallAsleep": 0, "timeInBed": in_bed,
            "type": "stages", "levels": {"data": [], "shortData": [], "summary": {}}})


@dataclass
class _Grant:
    user_id: str
    scopes: list[str]
    revoked: bool = False


class FitbitDouble:
    def __init__(self, now: dt.datetime, *, limit_per_hour: int = 150,
                 verification_code: str = "verify-me-0a1b2c") -> None:
        self.now = now
        self.limit_per_hour = limit_per_hour
        self.verification_code = verification_code
        self.accounts: dict[str, FitbitAccount] = {}
        self.signed_in: str | None = None  # who approves at /oauth2/authorize
        self.granted_scopes: list[str] | None = None  # what they tick (None: all asked for)
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, tuple[_Grant, dt.datetime]] = {}
        self.refresh: dict[str, _Grant] = {}
        self.spent_refresh: set[str] = set()
        self.used: dict[tuple[str, str], int] = defaultdict(int)  # (user, hour) -> requests
        self.requests: list[str] = []  # paths of the API calls, in order
        self.subscriptions: dict[tuple[str, str], str] = {}  # (user, collection) -> id
        self.malformed: set[str] = set()  # collections that answer with broken JSON
        self.app = Starlette(routes=[
            Route("/oauth2/authorize", self._authorize),
            Route("/oauth2/token", self._token, methods=["POST"]),
            Route("/oauth2/revoke", self._revoke, methods=["POST"]),
            Route("/1/user/-/activities/steps/date/{start}/{end}.json", self._steps),
            Route("/1.2/user/-/sleep/date/{start}/{end}.json", self._sleep),
            Route("/1/user/-/body/log/weight/date/{start}/{end}.json", self._weight),
            Route("/1/user/-/activities/heart/date/{start}/{end}.json", self._heart),
            Route("/1/user/-/{collection}/apiSubscriptions/{id}.json", self._subscription,
                  methods=["POST", "DELETE"]),
        ])
        self.transport = httpx2.ASGITransport(app=self.app)

    def account(self, user_id: str) -> FitbitAccount:
        return self.accounts.setdefault(user_id, FitbitAccount(user_id))

    # --- OAuth 2 -----------------------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client", "Invalid client_id")
        if q.get("redirect_uri") != REDIRECT_URI:
            return _error(400, "invalid_request", "Invalid redirect_uri parameter value")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return _error(400, "invalid_request", "Unsupported response or challenge method")
        challenge = q.get("code_challenge", "")
        if not 43 <= len(challenge) <= 128:
            return _error(400, "invalid_request", "The code_challenge parameter is invalid")
        assert self.signed_in is not None, "the test signs someone in first"
        asked = q.get("scope", "").split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"user": self.signed_in, "challenge": challenge,
                            "scopes": [s for s in asked if self.granted_scopes is None
                                       or s in self.granted_scopes],
                            "expires": self.now + dt.timedelta(minutes=10)}
        return RedirectResponse(f"{REDIRECT_URI}?{urlencode({'code': code, 'state': q['state']})}",
                                status_code=302)

    def _client_authenticated(self, request: Request) -> bool:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _issue(self, grant: _Grant) -> JSONResponse:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = (grant, self.now + TOKEN_LIFETIME)
        self.refresh[refresh] = grant
        return JSONResponse({"access_token": access, "expires_in": 28800,
                             "refresh_token": refresh, "scope": " ".join(grant.scopes),
                             "token_type": "Bearer", "user_id": grant.user_id})

    async def _token(self, request: Request) -> Response:
        if not self._client_authenticated(request):
            return _error(401, "invalid_client", "Invalid authorization header")
        form = await request.form()
        if form.get("grant_type") == "authorization_code":
            issued = self.codes.pop(str(form.get("code")), None)
            if issued is None or issued["expires"] < self.now:
                return _error(400, "invalid_grant", "Authorization code invalid")
            verifier = str(form.get("code_verifier", ""))
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != issued["challenge"]:
                return _error(400, "invalid_grant", "Code verifier does not match")
            return self._issue(_Grant(issued["user"], issued["scopes"]))
        if form.get("grant_type") == "refresh_token":
            token = str(form.get("refresh_token"))
            grant = self.refresh.pop(token, None)
            if grant is None or grant.revoked:  # single use: a spent one is refused
                self.spent_refresh.add(token)
                return _error(400, "invalid_grant", "Refresh token invalid")
            return self._issue(grant)
        return _error(400, "unsupported_grant_type")

    async def _revoke(self, request: Request) -> Response:
        if not self._client_authenticated(request):
            return _error(401, "invalid_client")
        token = str((await request.form()).get("token"))
        grant = self.refresh.get(token) or (self.access.get(token) or (None, None))[0]
        if grant is not None:
            grant.revoked = True
        return Response(status_code=200)

    def revoke_user(self, user_id: str) -> None:
        """The person withdraws access on fitbit.com."""
        for grant in [*self.refresh.values(), *(g for g, _ in self.access.values())]:
            if grant.user_id == user_id:
                grant.revoked = True

    # --- the API -------------------------------------------------------------------------

    def _limit_headers(self, user: str) -> dict[str, str]:
        hour = self.now.strftime("%Y-%m-%dT%H")
        top = self.now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        return {"Fitbit-Rate-Limit-Limit": str(self.limit_per_hour),
                "Fitbit-Rate-Limit-Remaining": str(max(0, self.limit_per_hour
                                                       - self.used[(user, hour)])),
                "Fitbit-Rate-Limit-Reset": str(int((top - self.now).total_seconds()))}

    def _caller(self, request: Request, scope: str) -> FitbitAccount | Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        found = self.access.get(token)
        if found is None or found[0].revoked:
            return _error(401, "invalid_token", "Access token invalid")
        grant, expires = found
        if expires <= self.now:
            return _error(401, "expired_token", "Access token expired")
        hour = self.now.strftime("%Y-%m-%dT%H")
        if self.used[(grant.user_id, hour)] >= self.limit_per_hour:
            return _error(429, "system", "Too Many Requests",
                          self._limit_headers(grant.user_id))
        self.used[(grant.user_id, hour)] += 1
        self.requests.append(request.url.path)
        if scope not in grant.scopes:
            return _error(403, "insufficient_scope", f"requires the {scope} scope")
        return self.account(grant.user_id)

    def _days(self, request: Request, span: int) -> tuple[dt.date, dt.date] | Response:
        start = dt.date.fromisoformat(request.path_params["start"])
        end = dt.date.fromisoformat(request.path_params["end"])
        if end < start or (end - start).days >= span:
            return _error(400, "validation", f"at most {span} days")
        return start, end

    def _answer(self, request: Request, scope: str, name: str, span: int,
                build: Any) -> Response:
        account = self._caller(request, scope)
        if isinstance(account, Response):
            return account
        days = self._days(request, span)
        if isinstance(days, Response):
            return days
        headers = self._limit_headers(account.user_id)
        if name in self.malformed:
            return Response('{"sleep": [{"logId": 1,', media_type="application/json",
                            headers=headers)
        return JSONResponse(build(account, *days), headers=headers)

    async def _steps(self, request: Request) -> Response:
        def build(account: FitbitAccount, start: dt.date, end: dt.date) -> Any:
            days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
            return {"activities-steps": [{"dateTime": d.isoformat(),
                                          "value": str(account.steps.get(d, 0))}
                                         for d in days]}

        return self._answer(request, "activity", "steps", _SPANS["steps"], build)

    async def _sleep(self, request: Request) -> Response:
        def build(account: FitbitAccount, start: dt.date, end: dt.date) -> Any:
            logs = [log for log in account.sleep
                    if start <= dt.date.fromisoformat(log["dateOfSleep"]) <= end]
            return {"sleep": logs, "summary": {
                "totalMinutesAsleep": sum(log["minutesAsleep"] for log in logs),
                "totalSleepRecords": len(logs),
                "totalTimeInBed": sum(log["timeInBed"] for log in logs)}}

        return self._answer(request, "sleep", "sleep", _SPANS["sleep"], build)

    async def _weight(self, request: Request) -> Response:
        def build(account: FitbitAccount, start: dt.date, end: dt.date) -> Any:
            return {"weight": [log for log in account.weight
                               if start <= dt.date.fromisoformat(log["date"]) <= end]}

        return self._answer(request, "weight", "weight", _SPANS["weight"], build)

    async def _heart(self, request: Request) -> Response:
        def build(account: FitbitAccount, start: dt.date, end: dt.date) -> Any:
            days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
            return {"activities-heart": [{"dateTime": d.isoformat(), "value": {
                "customHeartRateZones": [], "heartRateZones": [],
                **({"restingHeartRate": account.resting_heart_rate[d]}
                   if d in account.resting_heart_rate else {})}} for d in days]}

        return self._answer(request, "heartrate", "heart", _SPANS["heart"], build)

    async def _subscription(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        found = self.access.get(token)
        if found is None or found[0].revoked:
            return _error(401, "invalid_token")
        user, collection = found[0].user_id, request.path_params["collection"]
        if request.method == "DELETE":
            self.subscriptions.pop((user, collection), None)
            return Response(status_code=204)
        self.subscriptions[(user, collection)] = request.path_params["id"]
        return JSONResponse({"collectionType": collection, "ownerId": user,
                             "ownerType": "user", "subscriberId": "1",
                             "subscriptionId": request.path_params["id"]}, status_code=201)

    # --- notifications, as Fitbit sends them -------------------------------------------

    def notification(self, user_id: str, collection: str, day: dt.date | None
                     ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a notification POST to a subscriber, signed."""
        item: dict[str, Any] = {"collectionType": collection, "ownerId": user_id,
                                "ownerType": "user",
                                "subscriptionId": self.subscriptions.get((user_id, collection),
                                                                         "")}
        if day is not None:
            item["date"] = day.isoformat()
        body = json.dumps([item]).encode()
        return body, {"Content-Type": "application/json",
                      "X-Fitbit-Signature": self.sign(body)}

    @staticmethod
    def sign(body: bytes, secret: str = CLIENT_SECRET) -> str:
        key = f"{secret}&".encode()
        return base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode()
