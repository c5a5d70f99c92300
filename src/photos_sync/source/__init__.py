"""The source: what is in an Apple Photos library.

``catalog`` answers cheaply (plain SQL) which assets exist and which changed; ``library``
reads the full records of the assets that need them through osxphotos; ``classify`` turns
what Photos knows into our subtype flags. The rest of the program sees only the plain
records of ``records``.
"""
