"""How each command's outcome is shown to a person: every rendering lives in this package,
so the commands only parse, call and render (``--json`` prints the outcome's own
``to_json``)."""
