"""How each command's outcome is shown to a person: every rendering lives in this package,
so the commands only parse, call and render (``--json`` prints the outcome's own
``to_json``)."""

from __future__ import annotations

from photos_sync.cli.display.backup import (
    backup_checks,
    backup_results,
    backup_status,
    drilled,
    restored,
)
from photos_sync.cli.display.imports import (
    cleanup,
    import_outcome,
    import_plan,
    import_summary,
    left_out,
    metadata,
    pending_metadata,
    repairs,
)
from photos_sync.cli.display.library import checks, review, scan, verify
from photos_sync.cli.display.status import status

__all__ = [
    "backup_checks",
    "backup_results",
    "backup_status",
    "checks",
    "cleanup",
    "drilled",
    "import_outcome",
    "import_plan",
    "import_summary",
    "left_out",
    "metadata",
    "pending_metadata",
    "repairs",
    "restored",
    "review",
    "scan",
    "status",
    "verify",
]
