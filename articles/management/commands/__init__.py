"""`manage.py` commands: one module per command."""
