"""`recbrowser`, `python -m recbrowser`, and the PyInstaller bundle's entry point."""

import sys


def main() -> int:
    from recbrowser.startup import collector_off, opens_window, warm_up

    collector_off()  # until the window is complete, or the command runs (recbrowser/startup.py)

    if opens_window(sys.argv[1:]):
        warm_up()  # Qt's libraries load on the other core while the modules below import
    from recbrowser.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        import multiprocessing  # ~7 ms of imports: only where it has work to do

        # In a frozen app on Windows and macOS the export's spawned conversion workers start
        # this executable again; freeze_support runs them as workers instead of a second
        # recbrowser (it does nothing in an app that is not frozen).
        multiprocessing.freeze_support()
    sys.exit(main())
