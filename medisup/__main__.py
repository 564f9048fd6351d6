"""Entry point for ``python -m medisup``."""

from medisup.cli import main

main()
