"""``photos-sync report``: one HTML page, looked at in a real browser (headless Chromium):
nothing broken on it, every picture shown, the same counts as ``status --json``, and the
user's own text (an album called ``<script>``) shown as text, never run."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from PIL import Image

from photos_sync.immich.web import web_address
from photos_sync.source.thumbnails import SIZE, thumbnail
from tests.conftest import CliResult, run_json
from tests.support.browser import browser_page, chromium
from tests.support.fixtures import open_for_edit
from tests.support.outcomes import import_json

Run = Callable[..., CliResult]
TEST_26 = "Test-26.1.photoslibrary"
HOSTILE = '<script>alert("x")</script>Pumpkins & <b>Co</b>'
# Where docs/report.png comes from: PHOTOS_SYNC_REPORT_SCREENSHOT=docs/report.png pytest -k demo
SCREENSHOT = os.environ.get("PHOTOS_SYNC_REPORT_SCREENSHOT")
LINKS_JS = """JSON.stringify([...document.querySelectorAll('a[href*="/albums/"]')]
  .map(a => a.textContent))"""

COUNTS_JS = """JSON.stringify({
  counts: Object.fromEntries([...document.querySelectorAll('[data-count]')]
    .map(e => [e.dataset.count, Number(e.textContent.replace(/,/g, ''))])),
  images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
  scripts: document.scripts.length,
  text: document.body.innerText,
})"""


def _status_value(status: dict[str, object], key: str) -> object:
    value: object = status
    for part in key.split("."):
        assert isinstance(value, dict)
        value = value[part]
    return value


@pytest.mark.skipif(chromium() is None, reason="needs Chromium (Debian: apt install chromium)")
def test_the_report_opens_in_a_browser_whole_and_counts_as_status_does(
    run_cli: Run,
    library_copy: Callable[[str], Path],
    configure: Callable[[Path], None],
    tmp_path: Path,
) -> None:
    library = library_copy(TEST_26)
    with closing(open_for_edit(library)) as db, db:
        db.execute("UPDATE ZGENERICALBUM SET ZTITLE = ? WHERE ZTITLE = 'Pumpkin Farm'", (HOSTILE,))
    configure(library)
    import_json(run_cli)
    page_file = tmp_path / "report.html"
    made = run_cli("report", "--out", str(page_file))
    assert made.exit_code == 0, made.stderr
    status = run_json(run_cli, "status")
    assert os.environ["IMMICH_API_KEY"] not in page_file.read_text()

    with browser_page() as page:
        page.open(page_file.as_uri())
        seen = json.loads(page.evaluate(COUNTS_JS))
        page.screenshot(tmp_path / "report.png")
    assert page.errors == []
    assert seen["images"] and all(seen["images"]), seen["images"]
    assert len(seen["images"]) == sum(p["count"] for p in status["problems"]) > 0
    assert seen["counts"] and all(
        count == _status_value(status, key) for key, count in seen["counts"].items()
    ), (seen["counts"], status)
    assert seen["scripts"] == 0 and HOSTILE in seen["text"]  # shown as text, not run
    with Image.open(tmp_path / "report.png") as shot:
        assert shot.size[0] >= 1000


def _pixels(uri: str) -> tuple[int, int]:
    assert uri.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as image:
        return image.size


def test_a_thumbnail_is_the_derivative_else_the_original_made_small_else_a_placeholder(
    library_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    library = library_copy(TEST_26)
    original = next((library / "originals").rglob("*.jpeg"))
    with Image.open(original) as image:
        assert max(image.size) > SIZE
    assert max(_pixels(thumbnail(library, "NO-SUCH-UUID", original, "a.jpeg"))) == SIZE

    uuid = "ABCDEF01-0000-0000-0000-000000000000"
    own = tmp_path / "Own.photoslibrary"  # a copy's resources may be the fixture's own
    derivative = own / "resources" / "derivatives" / uuid[0] / f"{uuid}_1_105_c.jpeg"
    derivative.parent.mkdir(parents=True)
    Image.new("RGB", (64, 48), "red").save(derivative)
    assert _pixels(thumbnail(own, uuid, original, "a.jpeg")) == (64, 48)

    broken = tmp_path / "clip.mov"
    broken.write_bytes(b"not a picture")
    placeholder = thumbnail(library, "NO-SUCH-UUID", broken, "clip.mov")
    assert placeholder.startswith("data:image/svg+xml;base64,")
    assert b"MOV" in base64.b64decode(placeholder.split(",", 1)[1])


def test_the_immich_link_has_no_credentials_and_no_api_suffix() -> None:
    assert web_address("https://me:hunter2@photos.example:2283/api") == (
        "https://photos.example:2283"
    )
    assert web_address("http://127.0.0.1:2283") == "http://127.0.0.1:2283"
    assert web_address(None) is None


@pytest.mark.skipif(chromium() is None, reason="needs Chromium (Debian: apt install chromium)")
def test_the_demo_report_shows_what_a_user_would_want(
    run_cli: Run,
    configure: Callable[[Path], None],
    shared_libraries: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page of docs/report.png, as a user's first import makes it (issue 32): the
    library where a Mac keeps it (no test folder shown), the special kinds counted and the
    others left out, each Immich album a link by its name, problems with their picture."""
    library = Path.home() / "Pictures" / "Photos Library.photoslibrary"
    library.parent.mkdir(parents=True)
    shutil.copytree(shared_libraries[TEST_26], library)
    configure(library)
    monkeypatch.setenv("PHOTOS_SYNC_DATA", str(Path.home() / ".local/share/photos-sync"))
    import_json(run_cli)
    page_file = Path.home() / "report.html"
    assert run_cli("report", "--out", str(page_file)).exit_code == 0
    status = run_json(run_cli, "status")
    with browser_page() as page:
        page.open(page_file.as_uri())
        seen = json.loads(page.evaluate(COUNTS_JS))
        links = json.loads(page.evaluate(LINKS_JS))
        page.screenshot(tmp_path / "report.png")
    if SCREENSHOT:
        shutil.copy(tmp_path / "report.png", SCREENSHOT)
    text = seen["text"]
    assert "~/Pictures/Photos Library.photoslibrary" in text
    assert str(tmp_path) not in text and "pytest" not in text
    kinds = [name for name, count in status["subtypes"].items() if count]
    assert kinds and all(count > 0 for count in status["subtypes"].values() if count)
    shown_kinds = page_file.read_text().count("data-kind=")
    assert shown_kinds == len(kinds)  # the kinds with none are folded away
    assert links and "made" not in links and "Pumpkin Farm" in links
    assert seen["images"] and all(seen["images"])
