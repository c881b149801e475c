"""`recbrowser`, `python -m recbrowser`, and the PyInstaller bundle's entry point."""

import sys


def main() -> int:
    from recbrowser.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    import multiprocessing

    # In a frozen app on Windows and macOS the export's spawned conversion workers start this
    # executable again; freeze_support runs them as workers instead of a second recbrowser.
    multiprocessing.freeze_support()
    sys.exit(main())
