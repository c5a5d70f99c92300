"""``photos-sync setup``: ask for (or take) the Immich address, the API key and the library,
check each, write them to the settings file, run ``doctor``, say what to run next."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from photos_sync.cli import options as opt
from photos_sync.cli.commands import CONTEXT_SETTINGS
from photos_sync.cli.display import library as display
from photos_sync.cli.state import AppState, current_state
from photos_sync.config import OP_PREFIX, load_settings, origins
from photos_sync.errors import ConfigError, LibraryError
from photos_sync.immich.permissions import commands_needing
from photos_sync.source.library import PhotosLibrary
from photos_sync.workflow.doctor import run_checks
from photos_sync.workflow.setup import (
    KeyGiven,
    check_key,
    check_library,
    check_server,
    key_advice,
    refuse_to_overwrite,
    write_settings,
)

NEXT_STEP = "Next: `photos-sync import --dry-run` shows what the first import would send."


@click.command("setup", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--api-key-ref",
    metavar="op://VAULT/ITEM/FIELD",
    help="The API key's place in 1Password: written as it is, read with `op` at each run.",
)
@click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the API key (a container secret, say): its path is written.",
)
@opt.flag("--api-key-stdin", "Read the API key from standard input (for scripts).")
@opt.flag("--no-input", "Ask nothing: what is missing is an error naming its option.")
@opt.flag("--force", "Replace a settings file written before.")
def setup(
    api_key_ref: str | None,
    api_key_file: Path | None,
    api_key_stdin: bool,
    no_input: bool,
    force: bool,
) -> None:
    """Set photos-sync up: the Immich address, an API key, the Photos library.

    Each answer is checked (the server answers, it accepts the key, the library opens)
    before the settings are written to ~/.config/photos-sync/settings.env, readable by you
    alone; then `doctor` runs and the next command is named. Give the address and the
    library as --url and --library; the key as --api-key-ref (1Password, recommended: the
    key is never written), --api-key-file or --api-key-stdin; else setup asks for them.
    """
    state = current_state()
    path = refuse_to_overwrite(force)
    asking = not no_input and sys.stdin.isatty()
    url, answer = check_server(state.url or _ask("Immich address", "--url", asking))
    state.out.print(f"✓ {answer}", markup=False)
    key = _key(state, api_key_ref, api_key_file, api_key_stdin, asking)
    info = check_key(url, key)
    _say_key(state, info.name, info.missing())
    library = _library(state, asking)
    values = {"IMMICH_URL": url, "PHOTOS_LIBRARY": str(library.path)}
    values.update([key.setting()])
    if state.data_dir is not None:
        values["PHOTOS_SYNC_DATA"] = str(state.data_dir.expanduser().resolve())
    write_settings(path, values)
    kept = "the key itself is in it" if key.value else "the key stays where it is"
    state.out.print(f"Settings written to {path} (readable by you alone; {kept}).", markup=False)
    _doctor(state)


def _ask(what: str, option: str, asking: bool, hide: bool = False) -> str:
    if not asking:
        raise ConfigError(f"No {what} given", f"Give it with {option}")
    answer: str = click.prompt(what, hide_input=hide, err=True)
    return answer.strip()


def _key(
    state: AppState, reference: str | None, file: Path | None, stdin: bool, asking: bool
) -> KeyGiven:
    given = [choice for choice in (reference, file, stdin or None) if choice]
    if len(given) > 1:
        raise ConfigError(
            "More than one API key given",
            "Use one of --api-key-ref, --api-key-file, --api-key-stdin",
        )
    if reference:
        return KeyGiven(reference=reference)
    if file:
        return KeyGiven(file=file)
    if stdin:
        return KeyGiven(value=sys.stdin.readline())
    state.err.print(key_advice(), markup=False)
    typed = _ask("API key (or its op:// reference in 1Password)", "--api-key-ref", asking, True)
    return KeyGiven(reference=typed) if typed.startswith(OP_PREFIX) else KeyGiven(value=typed)


def _say_key(state: AppState, name: str, missing: list[str]) -> None:
    state.out.print(f"✓ API key '{name}' accepted", markup=False)
    if missing:
        state.err.print(
            f"! The key lacks {', '.join(missing)}, needed by "
            f"{', '.join(commands_needing(missing))}: add them in Immich or use 'all'",
            markup=False,
        )


def _library(state: AppState, asking: bool) -> PhotosLibrary:
    try:
        library = check_library(state.library)
    except LibraryError as error:
        if state.library is not None or not asking:
            raise
        state.err.print(error.one_line(), markup=False)
        library = check_library(Path(_ask("Photos library", "--library", asking)))
    state.out.print(f"✓ Photos library {library.path}", markup=False)
    return library


def _doctor(state: AppState) -> None:
    """``doctor`` on the settings as now written (the options of this run aside)."""
    checks = run_checks(load_settings(data_dir=state.data_dir), origins(state.data_dir))
    display.checks(checks, state.out)
    if any(not check.ok and check.required for check in checks):
        raise click.exceptions.Exit(1)
    state.out.print(NEXT_STEP, markup=False)
