"""``python -m xbsim``: the command line, as the ``xbsim`` script runs it."""

from xbsim.cli import main

main()
