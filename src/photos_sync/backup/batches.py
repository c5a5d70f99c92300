"""Which folders share one ``rclone sync``, and what its log says about each of them. Pure.

Every rclone start costs about what a small folder's whole sync does (0.1-0.2 s: Go's own
start, the crypt keys, the listing), and a backup with nothing new is mostly such starts.
So Immich's folders, side by side in one data folder, go in one sync of that folder, rclone's
filters picking them; photos-sync's own data folder, elsewhere, goes alone. Each folder
keeps its own job: its progress, its deletions and its deletion guard are told apart by the
first part of each file's name in rclone's log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from photos_sync.backup.rclone import DELETED_ROOT, EXCLUDES, LEFT_OUT_RULES
from photos_sync.backup.remotes import CRYPT_ROOT
from photos_sync.backup.stats import Event, Stats, parse_line
from photos_sync.track.backup_jobs import Job, Progress

# Immich's data folders worth keeping, in the order they are backed up; thumbs/ and
# encoded-video/ are left out: Immich makes them again from the originals.
IMMICH_SOURCES = (("library", 1), ("upload", 2), ("profile", 3), ("backups", 4))
MAX_DELETE_REACHED = "--max-delete threshold reached"
# rclone's words for a file it sent, and for one it moved aside (or, in a dry run, would).
SENT = ("Copied (new)", "Copied (replaced existing)")
MOVED_ASIDE = ("Moved into backup dir", "Skipped move into backup dir")


DATA_FOLDER = "photos-sync-data"  # photos-sync's own files in the backup (the snapshot)


def remote_for(source: str) -> str:
    """Where a source folder's backup lives in the crypt remote."""
    name = Path(source).name
    return f"{CRYPT_ROOT}{name if name in dict(IMMICH_SOURCES) else DATA_FOLDER}"


def deleted_folder(stamp: str, source: str | None = None) -> str:
    """Where a run's syncs move what they delete, within the crypt remote: the run's
    folder of deleted files, and with ``source``, that folder's backup in it."""
    below = f"/{remote_for(source).removeprefix(CRYPT_ROOT)}" if source else ""
    return f"{DELETED_ROOT}/{stamp}{below}"


@dataclass(frozen=True)
class Batch:
    """One ``rclone sync`` serving one or more jobs.

    With ``root`` set, the jobs are folders of ``root`` named as in Immich, and the sync is
    of ``root`` itself into the remote's top, with a filter for each folder; their backups
    land where a sync of each folder alone puts them. Without it, the one job's folder is
    synced alone.
    """

    jobs: tuple[Job, ...]
    root: str | None = None

    @property
    def name(self) -> str:
        return ", ".join(Path(job.source_path).name for job in self.jobs)

    @property
    def source(self) -> str:
        return self.root or self.jobs[0].source_path

    @property
    def remote(self) -> str:
        return CRYPT_ROOT if self.root else remote_for(self.jobs[0].source_path)

    def filters(self) -> tuple[str, ...]:
        """What rclone syncs: each folder's files but what the backup leaves out."""
        if self.root is None:
            return EXCLUDES
        rules = []
        for job in self.jobs:
            folder = Path(job.source_path).name
            rules += [f"- /{folder}/{pattern}" for pattern in LEFT_OUT_RULES]
            rules.append(f"+ /{folder}/**")
        rules.append("- **")  # the rest of the remote (our data, deleted files) is not touched
        return tuple(flag for rule in rules for flag in ("--filter", rule))

    def backup_dir(self, stamp: str) -> str:
        """The run's folder for what this sync deletes: ``<stamp>/<folder>/...`` either way
        (a sync of several folders keeps each one's name below it)."""
        return f"{CRYPT_ROOT}{deleted_folder(stamp, None if self.root else self.source)}"

    def job_of(self, name: str) -> Job | None:
        """The job a file of rclone's log belongs to (its name is relative to the source)."""
        if self.root is None:
            return self.jobs[0]
        return self._by_folder.get(name.split("/", 1)[0])

    @cached_property
    def _by_folder(self) -> dict[str, Job]:
        return {Path(job.source_path).name: job for job in self.jobs}

    def without(self, job_ids: set[int]) -> Batch | None:
        rest = tuple(job for job in self.jobs if job.id not in job_ids)
        return Batch(rest, self.root) if rest else None


def batches(jobs: list[Job]) -> list[Batch]:
    """The jobs (in priority order) as syncs: Immich's folders of one parent together.

    Two go alone, synced as their own source: a folder gone from disk, so that rclone fails
    on it instead of taking it for a folder emptied; and a link to a folder (a library
    moved to a bigger disk), which rclone follows only as the source it was given, never
    inside one. Within a sync of the parent, either would look empty.
    """
    grouped: dict[str, list[Job]] = {}
    alone: list[Batch] = []
    for job in jobs:
        path = Path(job.source_path)
        if (path.name, job.priority) in IMMICH_SOURCES and _plain_folder(path):
            grouped.setdefault(str(path.parent), []).append(job)
        else:
            alone.append(Batch((job,)))
    together = [Batch(tuple(members), root) for root, members in grouped.items()]
    return sorted([*together, *alone], key=lambda batch: batch.jobs[0].priority)


def _plain_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@dataclass
class BatchLog:
    """What a batch's rclone has said so far, folder by folder.

    ``limits`` are the jobs' deletion limits (None: no limit). rclone itself only knows
    their sum (``--max-delete``); a folder that passes its own limit is ``refused`` as soon
    as its deletion shows, and the caller stops the sync.
    """

    batch: Batch
    limits: dict[int, int | None]
    refused: set[int] = field(default_factory=set)
    last_error: str | None = None
    _deleted: Counter[int] = field(default_factory=Counter)
    _sent_bytes: Counter[int] = field(default_factory=Counter)
    _sent_files: Counter[int] = field(default_factory=Counter)

    def hear(self, line: str) -> Stats | None:
        """Take one line in; its stats when it is a progress line."""
        parsed = parse_line(line)
        if isinstance(parsed, Stats):
            return parsed
        if parsed is not None:
            self._event(parsed)
        return None

    def _event(self, event: Event) -> None:
        job = self.batch.job_of(event.object) if event.object is not None else None
        if job is not None and event.message in SENT:
            self._sent_files[job.id] += 1
            self._sent_bytes[job.id] += event.size
        elif job is not None and event.message.startswith(MOVED_ASIDE):
            self._deleted[job.id] += 1
            limit = self.limits.get(job.id)
            if limit is not None and self._deleted[job.id] > limit:
                self.refused.add(job.id)
        if event.level != "error":
            return
        if MAX_DELETE_REACHED in event.message and job is not None:
            self.refused.add(job.id)  # rclone's own stop, at the sum of the limits
        if self.last_error is None or MAX_DELETE_REACHED not in self.last_error:
            self.last_error = event.message.strip()  # the guard's stop outranks the rest

    def progress(self, stats: Stats) -> dict[int, Progress]:
        """Each job's progress: its files sent and on their way; the totals are the sync's."""
        if self.batch.root is None:
            return {self.batch.jobs[0].id: stats.progress()}
        flying: Counter[int] = Counter()
        for name, sent in stats.transferring:
            if (job := self.batch.job_of(name)) is not None:
                flying[job.id] += sent
        return {
            job.id: Progress(
                stats.total_bytes,
                self._sent_bytes[job.id] + flying[job.id],
                stats.total_transfers,
                self._sent_files[job.id],
                stats.speed,
            )
            for job in self.batch.jobs
        }
