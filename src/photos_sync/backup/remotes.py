"""rclone remotes defined only in the environment of the rclone child process.

``RCLONE_CONFIG=""`` keeps rclone's configuration in memory: no rclone.conf is read (so a
user's same-named section cannot leak in) or written. The storage remote holds the bucket;
a crypt remote over it encrypts contents, file names and directory names, and refuses names
it cannot decrypt (``STRICT_NAMES``): a wrong password fails instead of looking empty.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from photos_sync.backup.onepassword import BackupSecrets
from photos_sync.errors import PhotosSyncError
from photos_sync.track.backup_jobs import Destination

STORE, CRYPT = "PSSTORE", "PSCRYPT"
CRYPT_ROOT = "pscrypt:"
CRYPT_REMOTE = f"RCLONE_CONFIG_{CRYPT}_REMOTE"  # the storage path the crypt remote wraps
TYPES = ("b2", "s3", "local")


def obscure_with(rclone: Path) -> Callable[[str], str]:
    """rclone's own ``obscure``, fed on stdin so the password is never on a command line."""

    def obscure(secret: str) -> str:
        result = subprocess.run(
            [str(rclone), "obscure", "-"],
            input=secret,
            capture_output=True,
            text=True,
            env={"RCLONE_CONFIG": "", "PATH": ""},
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise PhotosSyncError("rclone could not prepare the encryption password")
        return result.stdout.strip()

    return obscure


@dataclass(frozen=True)
class S3Endpoint:
    """Any S3 service: B2's S3 API, Wasabi, MinIO, rclone's own ``serve s3``."""

    url: str
    provider: str = "Other"


def rclone_env(
    destination: Destination,
    secrets: BackupSecrets,
    obscure: Callable[[str], str],
    s3: S3Endpoint | None = None,
) -> dict[str, str]:
    """The environment variables that define the two remotes for one destination."""
    store = f"RCLONE_CONFIG_{STORE}_"
    env = {"RCLONE_CONFIG": ""}
    path = destination.remote_path.strip("/")
    if destination.type == "b2":
        env |= {
            f"{store}TYPE": "b2",
            f"{store}ACCOUNT": secrets.application_key_id,
            f"{store}KEY": secrets.application_key,
            f"{store}HARD_DELETE": "false",  # deleted files stay as B2 versions
        }
        root = f"psstore:{destination.bucket_name}/{path}".rstrip("/")
    elif destination.type == "s3":
        if s3 is None:
            raise PhotosSyncError(
                "An s3 destination needs BACKUP_S3_ENDPOINT", "Set it, e.g. https://s3.host"
            )
        env |= {
            f"{store}TYPE": "s3",
            f"{store}PROVIDER": s3.provider,
            f"{store}ENDPOINT": s3.url,
            f"{store}ACCESS_KEY_ID": secrets.application_key_id,
            f"{store}SECRET_ACCESS_KEY": secrets.application_key,
        }
        root = f"psstore:{destination.bucket_name}/{path}".rstrip("/")
    elif destination.type == "local":
        env[f"{store}TYPE"] = "local"
        root = f"psstore:{Path(destination.bucket_name) / path}"
    else:
        raise PhotosSyncError(f"Unknown backup destination type: {destination.type}")
    crypt = f"RCLONE_CONFIG_{CRYPT}_"
    env |= {
        f"{crypt}TYPE": "crypt",
        f"{crypt}REMOTE": root,
        f"{crypt}PASSWORD": obscure(secrets.encryption_password),
        f"{crypt}FILENAME_ENCRYPTION": "standard",
        f"{crypt}DIRECTORY_NAME_ENCRYPTION": "true",
        f"{crypt}STRICT_NAMES": "true",
    }
    return env
