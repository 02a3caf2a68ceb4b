"""The demo newsroom that `manage.py load_demo` builds for trying the site out."""
