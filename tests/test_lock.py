"""The lock files pin what pyproject.toml asks for: a dependency added or narrowed there
without ``make lock`` fails here, not in a user's install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).parent.parent


def pinned(lock: Path) -> dict[str, set[str]]:
    """Package name -> the versions the lock pins (one per platform split), each line
    carrying its hashes."""
    found: dict[str, set[str]] = {}
    text = lock.read_text()
    for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", text, re.M):
        found.setdefault(_normal(name), set()).add(version)
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n", 1)[-1])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if extra:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(line) for line in wanted]


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: str | None) -> None:
    versions = pinned(ROOT / lock)
    assert len(versions) > 20
    for requirement in declared(extra):
        name = _normal(requirement.name)
        assert name in versions, f"{name} is not in {lock}: run `make lock`"
        assert any(requirement.specifier.contains(v) for v in versions[name]), (
            f"{lock} pins {name} {versions[name]}, outside {requirement.specifier}: `make lock`"
        )
