"""A seeded corpus of distinct, realistic photos and videos, inside a real Photos library.

The library is the Media-Types fixture (its own assets moved to the trash) grown with one
plain photo and one plain video copied N times by :mod:`bench.inflate`; each copy gets its
own original file: a JPEG of about 3 MB made with Pillow, or a short H.264 video made with
the ffmpeg that ``imageio-ffmpeg`` ships. The same seed gives the same bytes, so figures
are repeatable. The files are also hard-linked into one plain folder, for tools (the
official Immich CLI) that upload a folder.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench.inflate import inflate
from tests.support.fixtures import copy_library, materialize, open_for_edit

SOURCE = "Test-Media-Types-15.7.2.photoslibrary"
PLAIN_PHOTO = "5F9BCC2D-D1DF-46D8-8F70-C142B25D3DC3"
PLAIN_VIDEO = "542D92E9-0318-4A23-A9B0-E328332BD983"
PHOTO_SIZE = (2592, 1944)


@dataclass(frozen=True)
class Corpus:
    library: Path
    folder: Path  # the same files, as a plain folder
    files: list[Path]

    @property
    def total_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)


def photo_bytes(rng: random.Random) -> bytes:
    """A JPEG with the size and entropy of a phone photo: smooth shapes plus fine grain."""
    from PIL import Image

    width, height = PHOTO_SIZE
    shapes = Image.frombytes(
        "RGB", (width // 16, height // 16), rng.randbytes(width // 16 * height // 16 * 3)
    )
    grain = Image.frombytes(
        "RGB", (width // 2, height // 2), rng.randbytes(width // 2 * height // 2 * 3)
    )
    image = Image.blend(
        shapes.resize(PHOTO_SIZE, Image.Resampling.BICUBIC),
        grain.resize(PHOTO_SIZE, Image.Resampling.NEAREST),
        0.18,
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def write_video(path: Path, seed: int, seconds: int = 5) -> None:
    """A short 720p H.264 clip (a few MB, like a phone's); the seed changes its noise."""
    import imageio_ffmpeg

    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1280x720:rate=30:duration={seconds}",
            "-vf",
            f"noise=alls=12:allf=t:all_seed={seed}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "26",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mov",
            str(path),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _give_each_copy_its_own_file(
    library: Path, first_new_pk: int, extension: str, uti: str, prefix: str
) -> list[tuple[str, str]]:
    """New rows get their own file name and original filename; returns (dir, file) pairs."""
    with closing(open_for_edit(library)) as db, db:
        db.execute(
            "UPDATE ZASSET SET ZDIRECTORY = substr(ZUUID, 1, 1),"
            " ZFILENAME = ZUUID || '.' || ?, ZUNIFORMTYPEIDENTIFIER = ?, ZTRASHEDSTATE = 0"
            " WHERE Z_PK >= ?",
            (extension, uti, first_new_pk),
        )
        rows = db.execute(
            "SELECT Z_PK, ZDIRECTORY, ZFILENAME FROM ZASSET WHERE Z_PK >= ? ORDER BY Z_PK",
            (first_new_pk,),
        ).fetchall()
        for number, (pk, _, _) in enumerate(rows, start=1):
            db.execute(
                "UPDATE ZADDITIONALASSETATTRIBUTES SET ZORIGINALFILENAME = ? WHERE ZASSET = ?",
                (f"{prefix}_{number:04d}.{extension.upper()}", pk),
            )
        return [(directory, filename) for _, directory, filename in rows]


def _vary_metadata(library: Path, first_pk: int, rng: random.Random) -> None:
    """Each copy gets 0-4 more of the library's keywords and every fourth is a favorite, so
    the tag sets differ from photo to photo as in a real library."""
    with closing(open_for_edit(library)) as db, db:
        link = next(
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if re.fullmatch(r"Z_\d+KEYWORDS", name)
        )
        attributes, keywords = (row[1] for row in db.execute(f"PRAGMA table_info({link})"))
        pool = [pk for (pk,) in db.execute("SELECT Z_PK FROM ZKEYWORD ORDER BY Z_PK")]
        rows = db.execute(
            "SELECT a.Z_PK, x.Z_PK FROM ZASSET a JOIN ZADDITIONALASSETATTRIBUTES x"
            " ON x.ZASSET = a.Z_PK WHERE a.Z_PK >= ? ORDER BY a.Z_PK",
            (first_pk,),
        ).fetchall()
        for number, (asset, attribute) in enumerate(rows):
            have = {
                k
                for (k,) in db.execute(
                    f"SELECT {keywords} FROM {link} WHERE {attributes} = ?", (attribute,)
                )
            }
            for keyword in rng.sample(pool, rng.randint(0, 4)):
                if keyword not in have:
                    db.execute(f"INSERT INTO {link} VALUES (?, ?)", (attribute, keyword))
            db.execute(
                "UPDATE ZASSET SET ZFAVORITE = ? WHERE Z_PK = ?", (int(number % 4 == 0), asset)
            )


def _next_pk(library: Path) -> int:
    with closing(open_for_edit(library)) as db:
        return int(db.execute("SELECT MAX(Z_PK) + 1 FROM ZASSET").fetchone()[0])


# For the metadata benchmark: a photo of Test-26.1 with a title, a description, a keyword,
# two albums and people; its copies carry all of it, and each gets some more keywords.
RICH_SOURCE = "Test-26.1.photoslibrary"
RICH_PHOTO = "F12384F6-CD17-4151-ACBA-AE0E3688539E"  # Pumkins1.jpg


def build_corpus(
    destination: Path,
    photos: int = 200,
    videos: int = 10,
    seed: int = 1,
    rich: bool = False,
) -> Corpus:
    """``rich``: photos that carry what Photos knows (keywords, albums, favorites, title,
    description), copied from a Test-26.1 photo; no videos."""
    rng = random.Random(seed)
    library = copy_library(RICH_SOURCE if rich else SOURCE, destination)
    with closing(open_for_edit(library)) as db, db:
        db.execute("UPDATE ZASSET SET ZTRASHEDSTATE = 1")  # only the corpus is to import
        start = int(db.execute("SELECT COUNT(*) FROM ZASSET").fetchone()[0])
    files: list[Path] = []
    first_photo = _next_pk(library)
    for count, source, extension, uti, prefix in (
        (photos, RICH_PHOTO if rich else PLAIN_PHOTO, "jpeg", "public.jpeg", "PHOTO"),
        (0 if rich else videos, PLAIN_VIDEO, "mov", "com.apple.quicktime-movie", "VIDEO"),
    ):
        if not count:
            continue
        first_new = _next_pk(library)
        start = inflate(library, start + count, seed=seed, source_uuid=source)
        for number, (directory, filename) in enumerate(
            _give_each_copy_its_own_file(library, first_new, extension, uti, prefix)
        ):
            folder = materialize(library, f"originals/{directory}")
            path = folder / filename
            if extension == "jpeg":
                path.write_bytes(photo_bytes(rng))
            else:
                write_video(path, seed * 1000 + number)
            files.append(path)
    if rich:
        _vary_metadata(library, first_photo, rng)
    folder = destination / "corpus-folder"
    folder.mkdir()
    linked = []
    for path in files:
        target = folder / path.name
        os.link(path, target)
        linked.append(target)
    return Corpus(library=library, folder=folder, files=files)
