"""`python -m omxl` runs the command line, like `omxl`."""

from .cli import main

main()
