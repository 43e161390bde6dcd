"""`python -m omxl.cli`: the omxl command."""

from . import main

main()
