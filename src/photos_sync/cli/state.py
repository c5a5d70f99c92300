"""What every command shares: the global options, the settings, and where output goes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from photos_sync.cli.progress import ConsoleFeedback
from photos_sync.config import Settings, load_settings, origins
from photos_sync.logs import start_run_log
from photos_sync.workflow.workspace import Workspace


@dataclass
class AppState:
    library: Path | None = None
    data_dir: Path | None = None
    url: str | None = None  # --url: the Immich server, over IMMICH_URL
    debug: bool = False
    command: str = ""  # the command being run: names its log file
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(
                data_dir=self.data_dir, library=self.library, url=self.url
            )
            if self.command:  # the run's log file, once the data folder is known
                data_dir = self._settings.data_dir
                if start_run_log(data_dir, self.command, self.debug) is None:
                    self.err.print(
                        f"Note: this run keeps no log ({data_dir / 'logs'} cannot be written).",
                        markup=False,
                        soft_wrap=True,
                    )
        return self._settings

    def origins(self) -> dict[str, str]:
        """Where each setting that is set comes from, the options of this run included."""
        given = {"photos_library": self.library, "photos_sync_data": self.data_dir}
        return origins(self.data_dir, given={**given, "immich_url": self.url})

    def workspace(self, json_output: bool = False) -> Workspace:
        """What the work runs on; its notes go to stderr when stdout carries JSON."""
        return Workspace(
            self.settings, ConsoleFeedback(self.err if json_output else self.out, self.err)
        )

    def output(self, json_output: bool) -> Console:
        """Where human lines go: stderr when stdout carries JSON."""
        return self.err if json_output else self.out

    def show(
        self,
        json_output: bool,
        as_json: Callable[[], Any],
        render: Callable[[Console], object],
    ) -> None:
        """A command's result: ``as_json()`` on stdout with --json, else drawn by ``render``
        on the console (each made only when it is the one shown)."""
        if json_output:
            self.print_json(as_json())
        else:
            render(self.out)

    def print_json(self, data: Any) -> None:
        """Machine-readable output: plain JSON on stdout, nothing else there."""
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def current_state() -> AppState:
    """The state the root command made for this run."""
    state = click.get_current_context().find_object(AppState)
    assert state is not None, "the root command sets the state"
    return state
