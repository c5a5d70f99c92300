"""photos-sync: mirror an Apple Photos library into Immich, and back the result up encrypted."""

import sys

__version__ = "0.1.0"

# httpx imports its own command line (click, rich's syntax colouring) whenever click is
# installed, and osxphotos brings click: 40 ms of every start that talks to Immich, for a
# command line photos-sync never runs. A None in sys.modules makes that import fail as it
# does where httpx's command-line extras are missing, and httpx leaves a stub in its place.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: not importable
