"""`recbrowser`, `python -m recbrowser`, and the PyInstaller bundle's entry point."""

import gc
import sys


def main() -> int:
    # Start-up makes objects that live as long as the process, and the collector would scan
    # them over and over while the window's modules load (~10 ms before its first paint). The
    # window turns it back on once it is complete (collecting once, then freezing what is
    # there); the other commands turn it back on before they run.
    gc.disable()
    from recbrowser.startup import opens_window, warm_up

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
