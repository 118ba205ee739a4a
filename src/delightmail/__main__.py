"""``python -m delightmail``: the same command line as ``delightmail``."""

from .cli import main

if __name__ == "__main__":
    main()
