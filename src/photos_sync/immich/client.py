"""Talking to an Immich server over its REST API, authenticated by ``x-api-key``.

Every failure becomes an :class:`~photos_sync.errors.ImmichError` with one line saying what
is wrong and what to do: a refused key stops the run (:class:`ImmichAuthError`), a refused
request fails one asset (:class:`ImmichRejected`), and a server that errs or cannot be
reached is retried with exponential back-off and jitter before it is reported
(:class:`ImmichUnavailable`). The API key is sent only in a header and never appears in a
message or a log line.

Speaks Immich 3 (the contract in ``tests/support/immich_double``'s OpenAPI document); the
commands refuse an older server (:meth:`ServerVersion.support`). The client itself still
talks to v2 the way it did when v2 was supported (the v2-only ``deviceAssetId``/``deviceId``
fields, errors read as a string or a list), which its own tests keep.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from photos_sync.errors import (
    FileChangedError,
    ImmichAuthError,
    ImmichError,
    ImmichRejected,
    ImmichUnavailable,
)
from photos_sync.immich.multipart import FileUpload
from photos_sync.immich.permissions import every_permission
from photos_sync.immich.records import (
    Existing,
    Reading,
    ServerAlbum,
    ServerAsset,
    ServerStack,
    ServerValues,
    Uploaded,
    UploadFields,
)
from photos_sync.redact import redact

log = logging.getLogger(__name__)

DEVICE_ID = "photos-sync"
BULK_CHECK_BATCH = 5000  # what the official CLI sends per request

REQUIRED_PERMISSIONS: tuple[str, ...] = every_permission()  # what doctor checks


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before calling the server unavailable."""

    attempts: int = 5
    first_wait: float = 2.0  # seconds; doubles each time, with jitter
    max_wait: float = 60.0

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (0 the first), for a caller
        that retries on its own (a create that must look before it tries again)."""
        return float(min(self.max_wait, self.first_wait * 2**attempt))


NO_RETRY = RetryPolicy(attempts=1)
OLDEST_SUPPORTED = (3, 0)  # the API photos-sync speaks (v2 and v1 differ in many places)
NEWEST_CHECKED = (3, 1)  # the newest release its tests have run against


@dataclass(frozen=True, order=True)
class ServerVersion:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def support(self) -> str | None:
        """None when this is a version photos-sync was checked against; a warning when it
        is newer; :class:`ImmichError` when it is older than the API photos-sync speaks."""
        if (self.major, self.minor) < OLDEST_SUPPORTED:
            raise ImmichError(
                f"Immich {self} is too old for photos-sync, which needs Immich "
                f"{OLDEST_SUPPORTED[0]}.{OLDEST_SUPPORTED[1]} or newer",
                "Upgrade Immich (https://immich.app/docs/install/upgrading)",
            )
        if (self.major, self.minor) > NEWEST_CHECKED:
            return (
                f"Immich {self} is newer than the versions photos-sync was checked against "
                f"(up to {NEWEST_CHECKED[0]}.{NEWEST_CHECKED[1]}.x); it should work, but "
                "please report anything odd"
            )
        return None

    @property
    def has_asset_metadata(self) -> bool:
        """Free-form per-asset key/value metadata arrived in v2.5.0."""
        return (self.major, self.minor) >= (2, 5)


@dataclass(frozen=True)
class ApiKeyInfo:
    name: str
    permissions: tuple[str, ...]

    def missing(self, required: Sequence[str] = REQUIRED_PERMISSIONS) -> list[str]:
        if "all" in self.permissions:
            return []
        return [permission for permission in required if permission not in self.permissions]


def _log_retry(state: RetryCallState) -> None:
    """Each retry in the run's log: what failed and how long until the next try."""
    failure = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    description = getattr(failure, "description", repr(failure))
    log.info("retry %d after: %s; waiting %.1f s", state.attempt_number, description, wait)


class _Transient(Exception):
    """A failure worth another try (5xx, timeout, dropped connection)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def api_base(url: str) -> str:
    """``http://host:2283`` and ``http://host:2283/api`` both mean the API at ``/api``."""
    url = url.rstrip("/")
    return url if url.endswith("/api") else f"{url}/api"


def error_message(response: httpx.Response) -> str:
    """Immich's error text (``message``: a string in v3, a list in v2), or a short summary
    of what something else in between (a reverse proxy) answered; never a secret it echoed."""
    try:
        body = response.json()
    except ValueError:
        return redact(_not_immich(response))
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        return redact("; ".join(str(part) for part in message))
    return redact(str(message)[:300] if message else response.reason_phrase)


def _not_immich(response: httpx.Response) -> str:
    """A proxy's page in a few words: its title (an HTML page), else its first words."""
    text = response.text
    html = "html" in response.headers.get("content-type", "") or text.lstrip().startswith("<")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    words = title.group(1) if title else ("" if html else text)
    summary = " ".join(words.split())[:120] or f"{response.status_code} {response.reason_phrase}"
    if response.status_code == 413:
        return (
            f"{summary}: the file is larger than a reverse proxy in front of Immich allows "
            "(nginx: client_max_body_size; raise it, e.g. to 50000M)"
        )
    return (
        f"{summary} (an error page, not Immich: a reverse proxy in between?)" if html else summary
    )


def form_fields(fields: UploadFields, version: ServerVersion | None) -> dict[str, str]:
    """The multipart text fields for an upload: booleans as ``true``/``false`` (v3 is strict),
    no ``duration``, the v2 device fields, metadata only where the server can store it."""
    form = {
        "deviceAssetId": fields.device_asset_id,
        "deviceId": DEVICE_ID,
        "fileCreatedAt": fields.created_at,
        "fileModifiedAt": fields.modified_at,
        "isFavorite": "true" if fields.favorite else "false",
        "filename": fields.filename,
    }
    if fields.visibility:
        form["visibility"] = fields.visibility
    if fields.live_photo_video_id:
        form["livePhotoVideoId"] = fields.live_photo_video_id
    if fields.metadata and version is not None and version.has_asset_metadata:
        form["metadata"] = json.dumps([{"key": DEVICE_ID, "value": fields.metadata}])
    return form


ALBUM_BATCH = 1000  # album members per request
ANY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImmichClient:
    """A connection to one Immich server with one API key; safe to share between threads."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy = RetryPolicy(),
        connections: int = 8,
    ) -> None:
        self.base_url = api_base(url)
        self.retry = retry
        self._key_info: ApiKeyInfo | None = None
        self.version: ServerVersion | None = None
        headers = {"Accept": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        self.requests: Counter[str] = Counter()  # "POST /assets" -> how many were made
        self._counting = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    @property
    def display_url(self) -> str:
        """The API address as it may be shown: without a user or password in it."""
        return str(httpx.URL(self.base_url).copy_with(username=None, password=None))

    def close(self) -> None:
        """Close the connections, logging how many requests of each kind the run made."""
        if self.requests:
            made = ", ".join(f"{n} {what}" for what, n in sorted(self.requests.items()))
            log.info("requests to Immich: %d (%s)", self.requests.total(), made)
        self._http.close()

    def __enter__(self) -> ImmichClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- one request, with retries ---------------------------------------------------------

    def _attempt(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        opener = kwargs.pop("open_file", None)
        try:
            if opener is not None:
                with opener() as handle:
                    kwargs["files"] = {
                        "assetData": (kwargs.pop("part_name"), handle, "application/octet-stream")
                    }
                    response = self._http.request(method, path, **kwargs)
            else:
                response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            log.debug("HTTP %s %s: no answer in time", method, path)
            raise _Transient(f"Immich at {self.display_url} did not answer in time") from None
        except httpx.ConnectError as error:
            if "SSL" in str(error) and self.base_url.startswith("https://"):
                raise ImmichError(
                    f"Immich at {self.display_url} does not speak https (TLS failed: "
                    f"{str(error).split(' (')[0]})",
                    "The server answers plain http:// on that port: use "
                    f"{self.display_url.replace('https://', 'http://', 1).removesuffix('/api')}"
                    " in IMMICH_URL, or the address of your HTTPS reverse proxy",
                ) from None
            raise _Transient(
                f"Immich is not reachable at {self.display_url} ({type(error).__name__})"
            ) from None
        except httpx.TransportError as error:
            raise _Transient(
                f"Immich is not reachable at {self.display_url} ({type(error).__name__})"
            ) from None
        with self._counting:
            self.requests[f"{method} {ANY_ID.sub('{id}', path)}"] += 1
        log.debug(
            "HTTP %s %s -> %d in %.3f s",
            method,
            path,
            response.status_code,
            response.elapsed.total_seconds(),
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(
                f"Immich at {self.display_url} answered {response.status_code}: "
                f"{error_message(response)}"
            )
        return response

    def _request(
        self, method: str, path: str, *, attempts: int | None = None, **kwargs: Any
    ) -> httpx.Response:
        attempts = attempts or self.retry.attempts
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.retry.first_wait, max=self.retry.max_wait)
            + wait_random(0, self.retry.first_wait),  # jitter, so parallel retries spread out
            retry=retry_if_exception_type(_Transient),
            reraise=True,
            before_sleep=_log_retry,
        )
        try:
            response: httpx.Response = retrying(self._attempt, method, path, **kwargs)
        except _Transient as failure:
            tries = f" (tried {attempts} times)" if attempts > 1 else ""
            raise ImmichUnavailable(
                f"{failure.description}{tries}",
                "Check that the server is up and IMMICH_URL points at it",
            ) from None
        if response.status_code == 401:
            raise ImmichAuthError(
                f"Immich rejected the API key ({error_message(response)})",
                "Create a key in Immich (Account Settings > API Keys) and set IMMICH_API_KEY",
            )
        if response.status_code == 403:
            raise ImmichAuthError(
                f"The API key is not allowed to do this ({error_message(response)})",
                "Give the key the permission named, or create a key with 'all'",
            )
        if response.status_code >= 400:
            raise ImmichRejected(response.status_code, error_message(response))
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ImmichError(
                f"{self.display_url} did not answer like Immich ({method} {path} is not JSON)",
                "Check IMMICH_URL: it should be the Immich address, e.g. http://host:2283",
            ) from None

    # -- server --------------------------------------------------------------------------

    def server_version(self) -> ServerVersion:
        """The server's version, remembered for the version-dependent parts of the API."""
        try:
            body = self._json("GET", "/server/version")
        except ImmichRejected as refused:
            raise ImmichError(
                f"Immich answered {refused.status} to GET /server/version: "
                f"{refused.server_message}",
                "Check IMMICH_URL: it should be the Immich address, e.g. http://host:2283",
            ) from None
        try:
            self.version = ServerVersion(int(body["major"]), int(body["minor"]), int(body["patch"]))
        except (KeyError, TypeError, ValueError):
            raise ImmichError(
                f"{self.display_url} did not answer like an Immich server (no version)",
                "Check IMMICH_URL: it should be the Immich address, e.g. http://host:2283",
            ) from None
        return self.version

    def my_user(self) -> tuple[str, str]:
        """(id, email) of the key's user (``GET /users/me``)."""
        body = self._json("GET", "/users/me")
        return str(body["id"]), str(body.get("email", ""))

    def my_api_key(self) -> ApiKeyInfo:
        """The key's own name and permissions (``GET /api-keys/me``, Immich 1.139+); asked
        once per client (a run checks what each of its steps needs)."""
        if self._key_info is None:
            body = self._json("GET", "/api-keys/me")
            self._key_info = ApiKeyInfo(
                name=str(body.get("name", "")), permissions=tuple(body["permissions"])
            )
        return self._key_info

    # -- assets --------------------------------------------------------------------------

    def bulk_upload_check(self, checksums: Sequence[tuple[str, str]]) -> dict[str, Existing]:
        """For (client id, SHA-1 hex) pairs, what the server already holds, by client id."""
        found: dict[str, Existing] = {}
        for batch in chunked(checksums, BULK_CHECK_BATCH):
            body = self._json(
                "POST",
                "/assets/bulk-upload-check",
                json={"assets": [{"id": cid, "checksum": sha1} for cid, sha1 in batch]},
            )
            for result in body["results"]:
                rejected = result.get("action") == "reject" and result.get("assetId")
                found[result["id"]] = Existing(
                    result["assetId"] if rejected else None, bool(result.get("isTrashed"))
                )
        return found

    def upload(self, path: Path, fields: UploadFields, sha1_hex: str) -> Uploaded:
        """Stream one file to ``POST /assets``, with its XMP sidecar if it has one; a 200
        ``duplicate`` is success."""
        sidecar = (
            ("sidecarData", f"{fields.filename}.xmp", fields.sidecar) if fields.sidecar else None
        )
        form = FileUpload(
            path, "assetData", fields.filename, form_fields(fields, self.version), sidecar
        )
        body = self._json(
            "POST",
            "/assets",
            content=form,
            headers={
                "x-immich-checksum": sha1_hex,
                "Content-Type": form.content_type,
                "Content-Length": str(form.length),
            },
        )
        if form.sent_sha1 != sha1_hex:
            raise FileChangedError()
        return Uploaded(id=str(body["id"]), duplicate=body.get("status") == "duplicate")

    def update_asset(self, asset_id: str, **changes: Any) -> dict[str, Any]:
        """``PUT /assets/{id}`` (PUT works on v2 and v3) with the given fields."""
        body: dict[str, Any] = self._json("PUT", f"/assets/{asset_id}", json=changes)
        return body

    def all_assets(self, page_size: int = 1000) -> Iterator[ServerAsset]:
        """Every asset of the key's user, trash included, a page at a time.

        v3 searches everything but the locked folder when no visibility is given; v2 only
        the timeline, so there each visibility is asked for in turn.
        """
        v2 = self.version is not None and self.version.major < 3
        for visibility in ("timeline", "archive", "hidden") if v2 else (None,):
            query: dict[str, Any] = {"withDeleted": True, "withExif": True}
            if visibility:
                query["visibility"] = visibility
            for item in self._search(query, page_size):
                yield ServerAsset(
                    id=item["id"],
                    checksum=base64.b64decode(item["checksum"]).hex(),
                    live_photo_video_id=item.get("livePhotoVideoId"),
                    trashed=bool(item.get("isTrashed")),
                    taken=(item.get("exifInfo") or {}).get("dateTimeOriginal"),
                )

    def asset_values(
        self, asset_ids: Sequence[str], one_by_one: int = 200
    ) -> dict[str, ServerValues]:
        """Favorite, description, date, place and visibility of these assets: one request
        each for a few, else one listing of all the user's assets with their EXIF."""
        if len(asset_ids) <= one_by_one:
            return {i: ServerValues.from_json(self.get_asset(i)) for i in asset_ids}
        wanted = set(asset_ids)
        return {
            item["id"]: ServerValues.from_json(item)
            for item in self._search({"withExif": True}, 1000)
            if item["id"] in wanted
        }

    def tagged_asset_ids(self, tag_id: str, page_size: int = 1000) -> set[str]:
        """The ids of the assets that have this tag (asset answers of a search carry none)."""
        return {item["id"] for item in self._search({"tagIds": [tag_id]}, page_size)}

    def album_asset_ids(self, album_id: str, page_size: int = 1000) -> set[str]:
        """The ids of the assets in one album (v3 album answers no longer list them)."""
        return {item["id"] for item in self._search({"albumIds": [album_id]}, page_size)}

    def _search(self, query: dict[str, Any], page_size: int) -> Iterator[dict[str, Any]]:
        """``POST /search/metadata``, every page of it."""
        page: int | None = 1
        while page is not None:
            body = self._json(
                "POST", "/search/metadata", json={**query, "page": page, "size": page_size}
            )
            yield from body["assets"]["items"]
            next_page = body["assets"].get("nextPage")
            page = int(next_page) if next_page else None

    def delete_assets(self, asset_ids: Sequence[str]) -> None:
        """``DELETE /assets`` without force: into Immich's trash, restorable there for the
        server's trash period. photos-sync never deletes for good."""
        for batch in chunked(asset_ids, 1000):
            self._json("DELETE", "/assets", json={"ids": list(batch), "force": False})

    def restore_from_trash(self, asset_ids: Sequence[str]) -> int:
        body = self._json("POST", "/trash/restore/assets", json={"ids": list(asset_ids)})
        return int(body["count"])

    def update_assets(self, asset_ids: Sequence[str], **changes: Any) -> None:
        """``PUT /assets``: the same change to many assets (batches of 1,000)."""
        for batch in chunked(asset_ids, 1000):
            self._json("PUT", "/assets", json={"ids": list(batch), **changes})

    def tags(self) -> dict[str, str]:
        """``GET /tags``: {value (the tag's whole path): id} of every tag of the user."""
        return {tag["value"]: tag["id"] for tag in self._json("GET", "/tags")}

    def upsert_tags(self, names: Sequence[str]) -> dict[str, str]:
        """``PUT /tags``: create what is missing (parents too, split on ``/``); {name: id}
        for each name asked. Immich keys a tag by its path without empty levels ("a//b" is
        "a/b"), and makes none for a name that is all slashes: such a name is left out."""
        body = self._json("PUT", "/tags", json={"tags": list(names)})
        ids = {tag["value"]: tag["id"] for tag in body}
        paths = {name: "/".join(part for part in name.split("/") if part) for name in names}
        return {name: ids[path] for name, path in paths.items() if path in ids}

    def tag_assets(self, tag_ids: Sequence[str], asset_ids: Sequence[str]) -> int:
        """``PUT /tags/assets``: every tag to every asset; how many (tag, asset) pairs were
        new. Immich rewrites the XMP sidecar of each asset that got a new tag, once per call,
        so an asset's whole set goes in one call; an asset that had them all (a file's own
        keywords, read at upload) gets no rewrite."""
        added = 0
        for batch in chunked(asset_ids, 1000):
            body = self._json(
                "PUT", "/tags/assets", json={"tagIds": list(tag_ids), "assetIds": list(batch)}
            )
            added += int((body or {}).get("count", 0))
        return added

    def extraction_states(self, asset_ids: Collection[str], since: str) -> dict[str, Reading]:
        """Of these assets (uploaded after ``since``), how far Immich has read each new file:
        ``"waiting"`` (nothing yet), ``"reading"`` (its size is known: the extraction is
        under way) or ``"done"`` (its thumbnail exists: Immich makes it only once the
        extraction, which ends by replacing the asset's tags and EXIF fields with the
        file's, has finished), with the date it read once done. Assets not listed are long
        done."""
        wanted = set(asset_ids)
        states = {}
        for item in self._search({"createdAfter": since, "withExif": True}, 1000):
            if item["id"] not in wanted:
                continue
            if item.get("thumbhash"):
                taken = (item.get("exifInfo") or {}).get("dateTimeOriginal")
                states[item["id"]] = Reading("done", taken, item.get("localDateTime"))
            else:
                states[item["id"]] = Reading("reading" if item.get("width") else "waiting")
        return states

    def server_clock(self) -> datetime | None:
        """The server's time, to the second (the ``Date`` of ``GET /server/ping``): what its
        ``updatedAt`` stamps are compared with, whatever our own clock says."""
        stamp = self._request("GET", "/server/ping").headers.get("date")
        try:
            return parsedate_to_datetime(stamp) if stamp else None
        except (TypeError, ValueError):
            return None

    def updated_after(self, moment: datetime) -> dict[str, str]:
        """Every asset Immich touched after ``moment`` (server time): {id: updatedAt}. Its
        metadata extraction touches the asset each time it has read the file again."""
        query = {"updatedAfter": moment.isoformat()}
        return {item["id"]: item["updatedAt"] for item in self._search(query, 1000)}

    def untag_assets(self, tag_id: str, asset_ids: Sequence[str]) -> set[str]:
        """``DELETE /tags/{id}/assets``; an asset that no longer has the tag is fine. The
        assets the tag was taken off."""
        removed: set[str] = set()
        for batch in chunked(asset_ids, 1000):
            body = self._json("DELETE", f"/tags/{tag_id}/assets", json={"ids": list(batch)})
            removed.update(item["id"] for item in body or [] if item.get("success"))
        return removed

    def albums(self) -> list[ServerAlbum]:
        """The user's albums (``GET /albums``), without their assets."""
        return [
            ServerAlbum(
                str(a["id"]),
                str(a["albumName"]),
                str(a.get("description") or ""),
                str(a.get("createdAt") or ""),
            )
            for a in self._json("GET", "/albums")
        ]

    def create_album(self, name: str, description: str, asset_ids: Sequence[str] = ()) -> str:
        """``POST /albums`` with its first members (the rest added a thousand at a time),
        tried once: a lost answer may still have made the album, so the caller looks for it
        before trying again (a blind retry makes a twin)."""
        first = list(asset_ids[:ALBUM_BATCH])
        album = {"albumName": name, "description": description, "assetIds": first}
        body = self._json("POST", "/albums", attempts=1, json=album)
        self.add_to_album(str(body["id"]), asset_ids[ALBUM_BATCH:])
        return str(body["id"])

    def delete_album(self, album_id: str) -> None:
        """``DELETE /albums/{id}``: the album goes, its assets stay."""
        self._json("DELETE", f"/albums/{album_id}")

    def rename_album(self, album_id: str, name: str) -> None:
        self._json("PATCH", f"/albums/{album_id}", json={"albumName": name})

    def add_to_album(self, album_id: str, asset_ids: Sequence[str]) -> None:
        """``PUT /albums/{id}/assets``; an asset already there ("duplicate") is fine."""
        self._album_assets("PUT", album_id, asset_ids, fine="duplicate")

    def remove_from_album(self, album_id: str, asset_ids: Sequence[str]) -> None:
        """``DELETE /albums/{id}/assets``; an asset already gone ("not_found") is fine."""
        self._album_assets("DELETE", album_id, asset_ids, fine="not_found")

    def _album_assets(
        self, method: str, album_id: str, asset_ids: Sequence[str], fine: str
    ) -> None:
        for batch in chunked(asset_ids, ALBUM_BATCH):
            results = self._json(method, f"/albums/{album_id}/assets", json={"ids": list(batch)})
            refused = [r for r in results if not r["success"] and r.get("error") != fine]
            if refused:
                raise ImmichRejected(
                    400, f"album refused {len(refused)} assets: {refused[0].get('error')}"
                )

    def create_stack(self, asset_ids: Sequence[str]) -> str:
        """``POST /stacks``: the first asset is the cover; existing stacks are merged."""
        body = self._json("POST", "/stacks", json={"assetIds": list(asset_ids)})
        return str(body["id"])

    def queues(self) -> dict[str, bool]:
        """``GET /queues`` (an admin key): each of Immich's job queues, and whether it is
        paused."""
        return {
            str(queue["name"]): bool(queue["isPaused"]) for queue in self._json("GET", "/queues")
        }

    def pause_queue(self, name: str, paused: bool) -> None:
        """``PUT /queues/{name}`` (an admin key): pause a queue (its jobs wait), or resume it."""
        self._json("PUT", f"/queues/{name}", json={"isPaused": paused})

    def server_features(self) -> dict[str, Any]:
        """``GET /server/features``: what the server does (``configFile``: its settings come
        from a file and cannot be changed through the API)."""
        body: dict[str, Any] = self._json("GET", "/server/features")
        return body

    def system_config(self) -> dict[str, Any]:
        """``GET /system-config`` (an admin key): every server setting."""
        body: dict[str, Any] = self._json("GET", "/system-config")
        return body

    def update_system_config(self, config: dict[str, Any]) -> None:
        """``PUT /system-config`` (an admin key): the whole settings document, changed."""
        self._json("PUT", "/system-config", json=config)

    def database_dumps(self) -> dict[str, int]:
        """``GET /admin/database-backups`` (an admin key): Immich's database dumps in its
        ``backups/`` folder, file name -> bytes."""
        body = self._json("GET", "/admin/database-backups")
        return {str(b["filename"]): int(b["filesize"]) for b in body.get("backups", [])}

    def start_database_dump(self) -> None:
        """``POST /jobs`` ``backup-database`` (an admin key): Immich dumps its database into
        ``backups/`` in the background."""
        self._request("POST", "/jobs", json={"name": "backup-database"})

    def _people(self) -> Iterator[dict[str, Any]]:
        """The user's people with a face (hidden ones too: Immich lists no one without)."""
        page: int | None = 1
        while page is not None:
            body = self._json(
                "GET", "/people", params={"withHidden": "true", "page": page, "size": 1000}
            )
            yield from body["people"]
            page = page + 1 if body.get("hasNextPage") else None

    def people_by_name(self) -> dict[str, list[str]]:
        """The user's people: name -> the ids of everyone so named."""
        found: dict[str, list[str]] = {}
        for person in self._people():
            found.setdefault(person["name"], []).append(person["id"])
        return found

    def people_without_picture(self) -> set[str]:
        """The ids of the people Immich shows no face picture for."""
        return {person["id"] for person in self._people() if not person.get("thumbnailPath")}

    def an_asset_of(self, person_id: str) -> str | None:
        """One asset with a face of this person (``POST /search/metadata``), if any."""
        body = self._json("POST", "/search/metadata", json={"personIds": [person_id], "size": 1})
        items = body["assets"]["items"]
        return str(items[0]["id"]) if items else None

    def set_feature_face(self, person_id: str, asset_id: str) -> None:
        """Make the person's face on this asset their picture (Immich then draws it)."""
        self._json("PUT", f"/people/{person_id}", json={"featureFaceAssetId": asset_id})

    def create_person(self, name: str) -> str:
        """``POST /people``: a person with this name; its id."""
        return str(self._json("POST", "/people", json={"name": name})["id"])

    def rename_person(self, person_id: str, name: str) -> None:
        self._json("PUT", f"/people/{person_id}", json={"name": name})

    def create_face(
        self,
        asset_id: str,
        person_id: str,
        image: tuple[int, int],
        box: tuple[int, int, int, int],
    ) -> None:
        """``POST /faces``: a face on an asset, ``box`` (x, y, width, height) in pixels of
        an image ``image`` (width, height) as it is shown."""
        x, y, width, height = box
        self._json(
            "POST",
            "/faces",
            json={
                "assetId": asset_id,
                "personId": person_id,
                "imageWidth": image[0],
                "imageHeight": image[1],
                "x": x,
                "y": y,
                "width": width,
                "height": height,
            },
        )

    def faces_of(self, asset_id: str) -> list[tuple[str, str | None]]:
        """``GET /faces?id=``: (face id, person id) of each face on an asset."""
        body = self._json("GET", "/faces", params={"id": asset_id})
        return [(face["id"], (face.get("person") or {}).get("id")) for face in body]

    def delete_face(self, face_id: str) -> None:
        self._json("DELETE", f"/faces/{face_id}", json={"force": False})

    def stacks(self) -> list[ServerStack]:
        """``GET /stacks``: every stack of the key's user, with its members (one request)."""
        body = self._json("GET", "/stacks")
        return [
            ServerStack(
                id=item["id"],
                primary_id=item["primaryAssetId"],
                asset_ids=frozenset(asset["id"] for asset in item.get("assets", [])),
            )
            for item in body
        ]

    def get_asset(self, asset_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self._json("GET", f"/assets/{asset_id}")
        return body


CHECK_TIMEOUT = 15.0  # seconds a check (doctor, setup) waits for the server's answer


def checking_client(url: str, api_key: str | None) -> ImmichClient:
    """A client for a check: one try, a short wait, so that a server that is down is said
    at once rather than after a run's retries."""
    return ImmichClient(url, api_key, timeout=CHECK_TIMEOUT, retry=NO_RETRY)
