"""rclone remotes defined only in the environment of the rclone child process.

``RCLONE_CONFIG=""`` keeps rclone's configuration in memory: no rclone.conf is read (so a
user's same-named section cannot leak in) or written. The storage remote holds the bucket;
a crypt remote over it encrypts contents, file names and directory names, and refuses names
it cannot decrypt (``STRICT_NAMES``): a wrong password fails instead of looking empty.
"""

from __future__ import annotations

import base64
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
    """rclone's ``obscure``: done here for any password up to :data:`_OBSCURE_STREAM`'s
    length, else by rclone itself, fed on stdin so the password is never on a command
    line."""

    def obscure(secret: str) -> str:
        quick = obscured(secret)
        if quick is not None:
            return quick
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


# rclone's ``obscure`` is AES-256-CTR under a key published in its source, with a random
# IV, in URL-safe base64 without padding (rclone's fs/config/obscure). With the IV fixed
# at zero the key stream is always these bytes (read once from ``rclone reveal`` of a
# zero IV and zeros), and ``rclone reveal`` takes any IV: so a password is obscured here,
# with no rclone started for it, on each backup, restore and check (0.07 s each).
# Obscuring only keeps a password from a glance; the result goes to rclone's environment.
_OBSCURE_STREAM = bytes.fromhex(
    "44dba96255ffa8c12131142bf385990dcb94f3cecb6d79df52d8bb4e268ecbf747c0ac0468ef6200"
    "c464cf834cf4eb397823d14c474f4273f6855c91dbe15fd14f3e5741d7dae543aae8b6efc449238b"
    "6b7a583c2aa978abbcf33ea97cb83be5338ab6ab6d6863681ce03c5f17c1ed0470c3699ffb91f830"
    "4f09a03ff95d1c6f5d4a9ad5bbf0556afc1a232f068efdbd3ec6216763b8d121ee5eb2bdd625e6e2"
    "e2651d475294e17c8e1fd4d1f08c8986aec95d8fc0da26b120217f1914e392899b28bcf274f130e4"
    "279b43b5822fff5ce8cd5ba48510d37db000d986620a366d33e9e367d999a9fdf82d79de37847a82"
    "d000a10c8e6bf8e4050d6b3fa4d79e52"
)


def obscured(secret: str) -> str | None:
    """``secret`` as ``rclone obscure`` would give it with a zero IV; None if it is longer
    than the key stream kept here (256 bytes)."""
    plain = secret.encode()
    if len(plain) > len(_OBSCURE_STREAM):
        return None
    hidden = bytes(a ^ b for a, b in zip(plain, _OBSCURE_STREAM, strict=False))
    return base64.urlsafe_b64encode(bytes(16) + hidden).rstrip(b"=").decode()


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
