"""A real HTTP server on 127.0.0.1 that answers like Immich, checked against its OpenAPI spec.

One module per concern: ``contract`` (the spec: routes, permissions, validation),
``state`` (what the server holds), ``routes`` (the handlers), ``server`` (HTTP and faults).
"""

from tests.support.immich_double.server import ImmichDouble

__all__ = ["ImmichDouble"]
