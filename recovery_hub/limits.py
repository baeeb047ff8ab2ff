"""Limits on what a request may send, checked before any work (docs/operations.md#limits).

``RequestBodyLimits`` reads a POST body once, up to ``max_body_bytes`` (413 past it), and for
JSON endpoints checks it is UTF-8, JSON, nested at most ``max_json_depth`` deep, and that the
GraphQL ``variables`` hold no list longer than ``max_list_entries`` and no text longer than
``max_text_length``: 400 otherwise. Each refusal is GraphQL-shaped, with a stable code::

    {"errors": [{"message": "...", "extensions": {"code": "TEXT_TOO_LONG",
                                                  "path": "variables.input.title"}}]}

The same list and text limits apply to literals written in the query itself
(``schema.limits.MaxInputSize``, a validation rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimits", "RequestBodyLimits", "RequestRefused", "check_json_body", "refusal"]


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_body_bytes: int = 1_048_576
    max_json_depth: int = 32
    max_list_entries: int = 500
    max_text_length: int = 50_000


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.path = path


def refusal(status: int, code: str, message: str, path: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """A refusal in the shape of a GraphQL response, which clients already read."""
    extensions: dict[str, Any] = {"code": code}
    if path is not None:
        extensions["path"] = path
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]},
                        status_code=status, headers=headers)


def _walk(value: Any, limits: BodyLimits, path: str, depth: int, *, inputs: bool) -> None:
    """Depth everywhere; lists and text only inside ``variables`` (``inputs``)."""
    # An explicit stack: a body nested past Python's recursion limit is refused, not a crash.
    stack: list[tuple[Any, str, int, bool]] = [(value, path, depth, inputs)]
    while stack:
        item, where, level, checked = stack.pop()
        if level > limits.max_json_depth:
            raise RequestRefused(400, "JSON_TOO_DEEP", f"The request is nested more than "
                                 f"{limits.max_json_depth} levels deep.", where)
        if isinstance(item, dict):
            for key, child in item.items():
                inner = checked or (where == "" and key == "variables")
                stack.append((child, f"{where}.{key}" if where else key, level + 1, inner))
        elif isinstance(item, list):
            if checked and len(item) > limits.max_list_entries:
                raise RequestRefused(400, "LIST_TOO_LONG", f"A list has {len(item)} entries: "
                                     f"at most {limits.max_list_entries} are accepted.", where)
            stack.extend((child, f"{where}.{i}", level + 1, checked)
                         for i, child in enumerate(item))
        elif checked and isinstance(item, str) and len(item) > limits.max_text_length:
            raise RequestRefused(400, "TEXT_TOO_LONG", f"A text has {len(item)} characters: "
                                 f"at most {limits.max_text_length} are accepted.", where)


def check_json_body(body: bytes, limits: BodyLimits) -> Any:
    """The parsed body, or ``RequestRefused`` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestRefused(400, "INVALID_ENCODING", "The request body is not valid UTF-8 "
                             f"(byte {error.start}).") from None
    try:
        parsed = json.loads(text)
    except RecursionError:
        raise RequestRefused(400, "JSON_TOO_DEEP", f"The request is nested more than "
                             f"{limits.max_json_depth} levels deep.") from None
    except json.JSONDecodeError as error:
        raise RequestRefused(400, "INVALID_JSON", f"The request body is not valid JSON: "
                             f"{error.msg} (line {error.lineno}, column {error.colno}).") from None
    _walk(parsed, limits, "", 0, inputs=False)
    return parsed


class RequestBodyLimits:
    """ASGI middleware: the body of a POST to one of ``paths`` is read and checked here, then
    handed on unchanged. ``json_paths`` also get the JSON checks."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits, paths: Iterable[str],
                 json_paths: Iterable[str]) -> None:
        self.app = app
        self.limits = limits
        self.paths = tuple(paths)
        self.json_paths = frozenset(json_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH")
                or not scope["path"].startswith(self.paths)):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            if scope["path"] in self.json_paths and _is_json(scope):
                parsed = check_json_body(body, self.limits)
                if isinstance(parsed, dict) and isinstance(parsed.get("operationName"), str):
                    # For the request metrics (recovery_hub/observability.py).
                    scope.setdefault("state", {})["operation_name"] = parsed["operationName"]
        except RequestRefused as refused:
            await refusal(refused.status, refused.code, refused.message,
                          refused.path)(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.limits.max_body_bytes
        too_large = RequestRefused(413, "BODY_TOO_LARGE",
                                   f"The request body is larger than {limit} bytes.")
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise RequestRefused(400, "INVALID_CONTENT_LENGTH",
                                         "The Content-Length header is not a number.") from None
                if declared > limit:
                    raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestRefused(400, "INCOMPLETE_BODY", "The request body was cut off.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False
