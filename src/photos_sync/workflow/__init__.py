"""The work of each command, one module each, apart from how it is shown.

``cli/`` parses options, calls one function here and renders what it returns; these
functions never print: they report through a :class:`~photos_sync.workflow.feedback.Feedback`
(notes, warnings, progress, Ctrl-C), so the same work runs under a terminal, ``--json``
or a test.
"""
