"""Before any work on the server: who we talk to, whether the key can do the work, and
whether the tracker belongs to this server and user."""

from __future__ import annotations

import sqlite3

from photos_sync.errors import ImmichAuthError, ImmichRejected, ServerChangedError
from photos_sync.immich.client import ImmichClient
from photos_sync.track.binding import (
    Binding,
    forget_server,
    read_binding,
    record_binding,
    recorded_sample,
)
from photos_sync.workflow.feedback import Feedback


def check_key(client: ImmichClient, needed: tuple[str, ...]) -> None:
    """Refuse to start with a key that cannot do the work, naming all it lacks."""
    try:
        missing = client.my_api_key().missing(needed)
    except ImmichRejected:  # servers before 1.139 have no /api-keys/me; requests will tell
        return
    if missing:
        raise ImmichAuthError(
            f"The API key lacks {', '.join(missing)}, which this command needs",
            "Edit the key in Immich (Account Settings > API Keys) or create one with 'all'",
        )


def connect(client: ImmichClient, feedback: Feedback, needed: tuple[str, ...]) -> None:
    """Read the server's version once, say who we talk to, and check the key."""
    version = client.server_version()
    warning = version.support()
    feedback.note(f"Immich {version} at {client.display_url}")
    if warning:
        feedback.warn(f"Warning: {warning}.")
    check_key(client, needed)


BINDING_SAMPLE = 20  # recorded ids looked for on the server at the start of a run
REBIND_HINT = (
    "If that is meant (Immich reinstalled, a new user), run again with --rebind: every asset "
    "is then checked by checksum against this server and what it lacks is uploaded"
)


def _current_binding(client: ImmichClient) -> Binding:
    try:
        user_id, email = client.my_user()
    except ImmichAuthError:  # a key without user.read: the sample of ids still tells
        user_id, email = "", ""
    return Binding(client.display_url, user_id, email)


def _sample_still_there(client: ImmichClient, sample: list[tuple[str, str]]) -> bool:
    """Whether the server still holds any of a sample of recorded assets (one request; a
    key that may not ask gets the benefit of the doubt)."""
    try:
        found = client.bulk_upload_check(sample)
    except ImmichAuthError:
        return True
    return any(
        (hit := found.get(immich_id)) is not None and hit.asset_id == immich_id
        for immich_id, _ in sample
    )


def check_server(
    client: ImmichClient, connection: sqlite3.Connection, rebind: bool = False
) -> str | None:
    """Refuse to go on with a tracker whose ids belong to another server or user; with
    ``rebind``, forget those ids and take this server. Returns a note to show, if any."""
    current = _current_binding(client)
    if rebind:
        count = forget_server(connection)
        record_binding(connection, current)
        return (
            f"Bound to {current.describe()}: {count:,} assets recorded as imported elsewhere "
            "are checked again by checksum; what this server lacks is uploaded."
        )
    recorded = read_binding(connection)
    problem = None
    if recorded and recorded.user_id and current.user_id and recorded.user_id != current.user_id:
        problem = f"the tracker was filled for {recorded.describe()}, this is {current.describe()}"
        if recorded.user_email and recorded.user_email == current.user_email:
            problem = (
                f"{current.user_email} at {current.server} has another user id than the one the"
                f" tracker was filled for ({current.user_id[:8]}…, was {recorded.user_id[:8]}…):"
                " Immich was reinstalled, or the user made again"
            )
    else:
        sample = recorded_sample(connection, BINDING_SAMPLE)
        if sample and not _sample_still_there(client, sample):
            problem = (
                f"the server holds none of {len(sample)} photos the tracker records as "
                "imported into it"
            )
    if problem:
        raise ServerChangedError(f"This is another Immich server or user: {problem}", REBIND_HINT)
    if recorded != current:
        record_binding(connection, current)
    return None


def bind(
    client: ImmichClient,
    connection: sqlite3.Connection,
    feedback: Feedback,
    rebind: bool = False,
    dry_run: bool = False,
) -> None:
    """The tracker must belong to this server (a dry run with --rebind changes nothing)."""
    if dry_run and rebind:
        return
    note = check_server(client, connection, rebind)
    if note:
        feedback.note(note)
