"""Immich's OpenAPI document as the double's rulebook.

It says which routes exist, which need a key and which permission each needs
(``x-immich-permission``), and it validates every request the double receives and every
response it sends, so neither the double nor our client can drift from real Immich.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import SecurityValidationError

SPEC_PATH = Path(
    os.environ.get(
        "PHOTOS_SYNC_IMMICH_SPEC",
        Path(__file__).resolve().parent / "openapi.json",  # see README.md beside it
    )
)
HOST = "http://127.0.0.1"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # as in the spec, without the /api prefix: /assets/{id}
    operation_id: str
    needs_auth: bool
    permission: str | None  # None: no permission needed (or the route is public)
    admin_only: bool
    pattern: re.Pattern[str]


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{([^/]+)\}", r"(?P<\1>[^/]+)", template) + "$")


@cache
def spec_document() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, methods in spec_document()["paths"].items():
        for method, operation in methods.items():
            permission = operation.get("x-immich-permission")
            found.append(
                Operation(
                    method=method.upper(),
                    template=template,
                    operation_id=operation["operationId"],
                    needs_auth=bool(operation.get("security")),
                    permission=permission if isinstance(permission, str) else None,
                    admin_only=bool(operation.get("x-immich-admin-only")),
                    pattern=_pattern(template),
                )
            )
    # Literal segments win over parameters (/assets/statistics before /assets/{id}).
    return tuple(sorted(found, key=lambda op: op.template.count("{")))


def find_operation(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """The spec's operation for a request, with its path parameters."""
    for operation in operations():
        match = operation.pattern.match(path) if operation.method == method else None
        if match:
            return operation, match.groupdict()
    return None


@cache
def _openapi() -> OpenAPI:
    # Immich's document has one non-conformance (an "in" on an http security scheme) that
    # the strict spec validator rejects; it does not affect request/response validation.
    return OpenAPI.from_file_path(str(SPEC_PATH), config=Config(spec_validator_cls=None))


def _mock_request(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes | None
) -> MockRequest:
    content_type = headers.get("content-type", "application/json")
    return MockRequest(
        HOST,
        method.lower(),
        "/api" + path,
        args=dict(re.findall(r"([^&=]+)=([^&]*)", query)) if query else None,
        headers=headers,
        data=body,
        content_type=content_type,
    )


def request_violations(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes | None
) -> list[str]:
    """What in this request real Immich's schema would refuse (auth is the double's job)."""
    request = _mock_request(method, path, query, headers, body)
    try:
        _openapi().validate_request(request)
    except SecurityValidationError:
        return []
    except Exception as error:  # openapi-core raises a family of validation errors
        return [f"{method} {path}: request: {_describe(error)}"]
    return []


# Where real Immich 3.1.0 answers differently from its own spec (seen in
# shared/immich/observed-v3.1.0.md), the double answers like the server, and the check
# reads a spec-valid stand-in instead. getMyUser: "license" is null on an unlicensed server,
# though the spec says it is never null (exchange 11).
KNOWN_NULLS: dict[str, dict[str, Any]] = {
    "getMyUser": {
        "license": {
            "licenseKey": "IMCL" + "-0000" * 8,
            "activationKey": "stand-in",
            "activatedAt": "2024-01-01T00:00:00.000Z",
        }
    }
}
NOT_IN_SPEC = frozenset({"wellKnown"})  # GET /.well-known/immich: discovery, outside /api
# Fields a v2 server does not send because v3 added them (x-immich-history "Added v3.0.0");
# checked as if present when the double plays a v2 server.
ADDED_IN_V3: dict[str, dict[str, Any]] = {"getServerVersion": {"prerelease": None}}


def response_violations(
    operation_id: str,
    server_major: int,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    status: int,
    body: bytes,
    content_type: str,
) -> list[str]:
    """What in this response the spec does not allow for this route and status."""
    if status >= 400:  # the spec documents success bodies; errors are checked by the tests
        return []
    if operation_id in NOT_IN_SPEC:
        return []
    stand_ins = dict(KNOWN_NULLS.get(operation_id, {}))
    if server_major < 3:
        stand_ins.update(ADDED_IN_V3.get(operation_id, {}))
    if stand_ins and body:
        document = json.loads(body)
        for name, stand_in in stand_ins.items():
            if document.get(name) is None:
                document[name] = stand_in
        body = json.dumps(document).encode()
    request = _mock_request(method, path, query, headers, None)
    response = MockResponse(body, status_code=status, content_type=content_type)
    try:
        _openapi().validate_response(request, response)
    except Exception as error:
        return [f"{method} {path}: response {status}: {_describe(error)}"]
    return []


def _describe(error: BaseException) -> str:
    details = [str(error)]
    cause = error.__cause__
    if cause is not None:
        details.append(str(cause))
        inner = getattr(cause, "schema_errors", None)
        if inner:
            details.extend(str(getattr(e, "message", e)) for e in inner)
    return " | ".join(details)[:2000]


def _resolve(schema: Any) -> Any:
    """Inline ``$ref``s to components (the upload schema has no cycles)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolve(spec_document()["components"]["schemas"][name])
        return {key: _resolve(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve(item) for item in schema]
    return schema


def _typed(value: str, schema: dict[str, Any]) -> Any:
    """A multipart text field read as Immich's zod schema reads it, or ValueError."""
    kind = schema.get("type")
    if kind == "boolean":
        if value not in ("true", "false"):  # v3 is strict: "True" is refused
            raise ValueError(f"expected true or false, got {value!r}")
        return value == "true"
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind in ("array", "object"):
        return json.loads(value)
    return value


def multipart_violations(operation_id: str, fields: dict[str, str], files: set[str]) -> list[str]:
    """Check an uploaded form's fields against the operation's multipart schema.

    openapi-core cannot type multipart text fields (everything arrives as a string), so each
    field is read as Immich reads it (booleans strictly, numbers, JSON for arrays) and the
    result is validated against the schema from the spec.
    """
    from openapi_schema_validator import OAS30Validator

    operation = next(op for op in operations() if op.operation_id == operation_id)
    body = spec_document()["paths"][operation.template][operation.method.lower()]["requestBody"]
    schema = _resolve(body["content"]["multipart/form-data"]["schema"])
    properties = schema["properties"]
    document: dict[str, Any] = {name: "binary" for name in files if name in properties}
    problems = []
    for name, value in fields.items():
        if name not in properties:
            continue  # unknown fields are stripped silently, as Immich does
        try:
            document[name] = _typed(value, properties[name])
        except ValueError as error:
            problems.append(f"{operation_id}: field {name}: {error}")
    for invalid in OAS30Validator(schema).iter_errors(document):
        problems.append(
            f"{operation_id}: {'/'.join(map(str, invalid.path)) or 'body'}: {invalid.message}"
        )
    return problems
