"""The root group, which imports a command's module only when that command runs.

Importing every command module (and through them every workflow: backup, report, review)
took most of a second before a nightly ``sync`` did anything, and a second of each backup's
fixed cost (issue 17). The root group knows the commands by name (click's documented
pattern for lazy sub-commands: ``list_commands`` and ``get_command``); a command's module
is imported when it is run or its help is shown. ``photos-sync --help`` imports them all.
"""

from __future__ import annotations

import importlib

import click

# Command name -> "module:attribute" under photos_sync.cli, in the order --help lists them.
COMMANDS = {
    "status": "status:status",
    "import": "importing:import_assets",
    "sync": "sync:sync",
    "cleanup": "cleanup:cleanup",
    "reclassify": "reclassify:reclassify",
    "review": "review:review",
    "verify": "verify:verify",
    "ignore": "ignore:ignore",
    "backup": "backup:backup",
    "restore": "backup:restore",
    "doctor": "doctor:doctor",
    "report": "report:report",
    "schedule": "schedule:schedule",
}

# How every command of photos-sync is made.
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose sub-commands are named up front and imported on first use."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(n for n in super().list_commands(ctx) if n not in self.lazy)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            return super().get_command(ctx, name)
        module_name, attribute = self.lazy[name].split(":")
        module = importlib.import_module(f"photos_sync.cli.{module_name}")
        command = getattr(module, attribute)
        assert isinstance(command, click.Command), f"{self.lazy[name]} is no command"
        return command
