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
    "setup": "setup:setup",
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


def hoisted(args: list[str], takes_value: dict[str, bool]) -> list[str]:
    """``args`` with the root's own options moved before the sub-command wherever they were
    given: ``photos-sync status --library X`` is ``photos-sync --library X status`` (a user
    types options after the command, as with most tools; click reads a group's options only
    before it). ``takes_value``: each root option's spellings -> whether a value follows.
    Nothing after ``--`` moves."""
    front: list[str] = []
    rest: list[str] = []
    command_seen = False
    position = 0
    while position < len(args):
        arg = args[position]
        if arg == "--":
            rest += args[position:]
            break
        name = arg.split("=", 1)[0]
        root_option = name in takes_value
        with_value = root_option and takes_value[name] and "=" not in arg
        taken = args[position : position + (2 if with_value else 1)]
        if root_option and command_seen:
            front += taken
        else:
            rest += taken
            command_seen = command_seen or not arg.startswith("-")
        position += len(taken)
    return front + rest


class LazyGroup(click.Group):
    """A group whose sub-commands are named up front and imported on first use, and whose
    own options may also come after the sub-command (see :func:`hoisted`)."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            spelling: not option.is_flag
            for option in self.params
            if isinstance(option, click.Option) and option.expose_value and not option.is_eager
            for spelling in option.opts
        }
        return super().parse_args(ctx, hoisted(args, takes_value))

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
