"""``python -m gpulca`` runs the command-line interface."""

from gpulca.cli import main

main()
