"""`recbrowser` and `python -m recbrowser`."""

import sys


def main() -> int:
    from recbrowser.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
