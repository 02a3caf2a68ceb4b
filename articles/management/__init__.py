"""Management commands of the newsroom app (see commands/)."""
