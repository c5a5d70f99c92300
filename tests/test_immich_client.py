"""The Immich client's pure parts: URLs, error bodies of v2 and v3, form fields."""

from __future__ import annotations

import json

import httpx
from hypothesis import given
from hypothesis import strategies as st

from photos_sync.immich.client import ServerVersion, api_base, error_message, form_fields
from photos_sync.immich.records import UploadFields


def test_api_base_accepts_both_forms() -> None:
    assert api_base("http://h:2283") == "http://h:2283/api"
    assert api_base("http://h:2283/api/") == "http://h:2283/api"


def test_error_message_of_v3_and_v2_bodies() -> None:
    v3 = httpx.Response(400, json={"message": "Unsupported file type note.txt"})
    v2 = httpx.Response(
        400,
        json={
            "message": ["fileCreatedAt must be a Date", "x"],
            "error": "Bad Request",
            "statusCode": 400,
            "correlationId": "abc",
        },
    )
    html = httpx.Response(413, text="<html>413 Request Entity Too Large</html>")
    assert error_message(v3) == "Unsupported file type note.txt"
    assert error_message(v2) == "fileCreatedAt must be a Date; x"
    assert error_message(html).startswith("413 Request Entity Too Large: the file is larger")
    assert "client_max_body_size" in error_message(html) and "<html>" not in error_message(html)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_error_message_never_fails_on_any_json(body: object) -> None:
    response = httpx.Response(
        500, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    assert isinstance(error_message(response), str)


@given(st.binary())
def test_error_message_never_fails_on_any_bytes(body: bytes) -> None:
    assert isinstance(error_message(httpx.Response(502, content=body)), str)


def test_form_fields_follow_the_v3_rules_and_keep_v2_fields() -> None:
    fields = UploadFields(
        filename="IMG_1.HEIC",
        created_at="2024-05-06T07:08:09+02:00",
        modified_at="2024-05-06T07:08:09+00:00",
        device_asset_id="UUID-1",
        favorite=True,
        metadata={"photosUuid": "UUID-1"},
    )
    v3 = form_fields(fields, ServerVersion(3, 1, 0))
    assert v3["isFavorite"] == "true"  # never Python's "True"
    assert "duration" not in v3
    assert v3["deviceAssetId"] == "UUID-1" and v3["deviceId"] == "photos-sync"
    assert json.loads(v3["metadata"]) == [{"key": "photos-sync", "value": {"photosUuid": "UUID-1"}}]
    old = form_fields(fields, ServerVersion(2, 4, 0))
    assert "metadata" not in old  # free-form metadata keys arrived in v2.5.0
