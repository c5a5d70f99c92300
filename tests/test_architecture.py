"""The layering of docs/architecture.md, read from the code: every import a module makes
when it runs, at its top or inside a function. Imports under ``if TYPE_CHECKING:`` name
types for the checker only and are not counted."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import photos_sync

PACKAGE = Path(photos_sync.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("photos_sync", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``."""
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    return [node for node in ast.walk(tree) if id(node) not in typing_only]


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module -> the modules it imports when it runs (absolute names)."""
    found: dict[str, frozenset[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        names: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[_module_name(path)] = frozenset(names)
    return found


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def importers_of(target: str) -> set[str]:
    """Our modules that import ``target`` (a module, a package, or a name in one)."""
    return {m for m, names in imports().items() if any(_in(n, target) for n in names)}


def _ours(names: frozenset[str]) -> set[str]:
    """The first-party modules among imported names (``photos_sync.x.y`` or a name in one)."""
    return {n for n in names if n.startswith("photos_sync.")}


def layer(module: str) -> str:
    """The floor a module is on (``photos_sync.plan.metadata`` -> ``plan``); "" for the
    plain modules beside the floors (errors, redact, logs, config, bulk, files)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else ""


# What each floor may import of ours (besides itself and the plain modules beside the
# floors: errors, redact, logs, config, bulk, files and the package itself).
MAY_IMPORT = {
    "source": set(),
    "track": {"source.records"},
    "plan": {"source.records", "source.catalog", "track", "immich.records"},
    "immich": set(),
    "backup": {"track"},
    "upload": {"plan", "source", "track", "immich"},
    "schedule": set(),
    "report": set(),
    "workflow": {"source", "plan", "upload", "immich", "backup", "track", "schedule", "report"},
}
PLAIN = {""}


def test_the_module_list_is_read() -> None:
    """The graph is read at all: a test of rules over an empty graph passes for nothing."""
    assert len(imports()) > 80
    assert "photos_sync.immich.client" in imports()["photos_sync.upload.importer"]


@pytest.mark.parametrize("floor", sorted(MAY_IMPORT))
def test_each_floor_imports_only_what_is_below_it(floor: str) -> None:
    allowed = MAY_IMPORT[floor]
    wrong = {
        (module, name)
        for module, names in imports().items()
        if layer(module) == floor
        for name in _ours(names)
        if layer(name) not in PLAIN | {floor}
        and not any(_in(name.removeprefix("photos_sync."), a) for a in allowed)
    }
    assert wrong == set()


def test_plan_is_pure() -> None:
    """plan/ takes records and returns decisions: no HTTP, no SQL, no files, no processes,
    and not the Immich client."""
    io = ("httpx", "tenacity", "sqlite3", "subprocess", "socket", "osxphotos", "shutil")
    plan = {m for m in imports() if layer(m) == "plan"}
    assert {m for m in plan if any(_in(n, x) for n in imports()[m] for x in io)} == set()
    assert importers_of("photos_sync.immich.client") & plan == set()


def test_only_source_sees_osxphotos_and_only_immich_speaks_http() -> None:
    assert {layer(m) for m in importers_of("osxphotos")} == {"source"}
    # workflow.ping tells the user's own monitor that a run ended: no Immich there
    assert importers_of("httpx") - {"photos_sync.workflow.ping"} == {
        m for m in importers_of("httpx") if layer(m) == "immich"
    }


def test_no_sql_outside_track_but_the_readers_of_photos_database() -> None:
    readers = {"photos_sync.source.catalog", "photos_sync.source.direct"}
    outside = {m for m in importers_of("sqlite3") if layer(m) != "track"} - readers
    # the rest only name sqlite3's types and errors, or open a connection track made
    for module in outside:
        text = (PACKAGE / Path(*module.split(".")[1:])).with_suffix(".py").read_text()
        assert "execute(" not in text or module in SQL_BESIDE_TRACK, module


# Modules that run SQL of their own outside track/, each with why.
SQL_BESIDE_TRACK = {
    "photos_sync.workflow.database_dump",  # reads a restored Immich database dump's tables
}


# The workflow modules every command may use, and the commands made of other commands.
SHARED_STEPS = {"workspace", "feedback", "connect", "scan", "metadata", "checks"}
SHARED_STEPS |= {"database_dump"}
COMPOSED = {
    "sync": {"importing", "cleanup"},  # the nightly run is import, metadata and cleanup
    "verify": {"importing"},  # --fix uploads again through the import
    "cleanup": {"importing"},  # settles the remembered choices as an import does
    "report": {"status"},  # the page shows status' figures
}


def test_workflow_commands_do_not_lean_on_each_other() -> None:
    wrong = set()
    for module, names in imports().items():
        if layer(module) != "workflow":
            continue
        own = module.rsplit(".", 1)[-1]
        for name in _ours(names):
            if layer(name) != "workflow":
                continue
            other = name.split(".")[2]
            if other != own and other not in SHARED_STEPS | COMPOSED.get(own, set()):
                wrong.add((own, other))
    assert wrong == set()


def test_cli_commands_do_not_import_each_other_nor_do_work() -> None:
    commands = {
        "backup",
        "cleanup",
        "doctor",
        "ignore",
        "importing",
        "reclassify",
        "report",
        "review",
        "schedule",
        "status",
        "sync",
        "verify",
    }
    cli = {m: names for m, names in imports().items() if layer(m) == "cli"}

    def command(name: str) -> str | None:
        parts = name.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "cli" and parts[2] in commands else None

    ties = {
        (module, name)
        for module, names in cli.items()
        if command(module)
        for name in names
        if command(name) not in (None, command(module))
    }
    assert ties == set()
    work = (
        "sqlite3",
        "httpx",
        "osxphotos",
        "photos_sync.immich.client",
        "photos_sync.track.database",
    )
    doing = {(m, n) for m, names in cli.items() for n in names for w in work if _in(n, w)}
    assert doing == set()
