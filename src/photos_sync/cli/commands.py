"""Which module holds each command, imported only when that command runs.

Importing every command module (and through them every workflow: backup, report, review)
took most of a second before a nightly ``sync`` did anything, and a second of each backup's
fixed cost (issue 17). The root group knows the commands by name; a command's module is
imported when it is run or its help is shown. ``photos-sync --help`` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer import _click
from typer.core import TyperGroup

# Command name -> its module under photos_sync.cli, in the order ``--help`` lists them.
# A module registers the commands named here (backup.py has both backup and restore).
COMMAND_MODULES = {
    "status": "status",
    "import": "importing",
    "sync": "sync",
    "cleanup": "cleanup",
    "reclassify": "reclassify",
    "review": "review",
    "verify": "verify",
    "ignore": "ignore",
    "backup": "backup",
    "restore": "backup",
    "doctor": "doctor",
    "report": "report",
    "schedule": "schedule",
}

# How every Typer app of photos-sync is made: the root and each command module's own.
APP_SETTINGS: dict[str, Any] = {
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}


class CommandsOnDemand(MutableMapping[str, _click.Command]):
    """The root group's commands: every name known, each module imported on first use."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._loaded:
            if name not in self._modules:
                raise KeyError(name)
            self._load(self._modules[name])
        return self._loaded[name]

    def _load(self, module_name: str) -> None:
        module = importlib.import_module(f"photos_sync.cli.{module_name}")
        app = typer.Typer(**APP_SETTINGS)
        module.register(app)
        for name, command in typer.main.get_group(app).commands.items():
            self._loaded.setdefault(name, command)

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._modules.setdefault(name, "")
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._modules[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


class RootGroup(TyperGroup):
    """photos-sync's root: its commands come from :data:`COMMAND_MODULES`, on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registered = dict(self.commands)
        self.commands = CommandsOnDemand(COMMAND_MODULES)
        self.commands.update(registered)
