"""Use cases: every rule lives here; each command runs one service call in one transaction."""
