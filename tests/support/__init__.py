"""What the tests share: helpers, emulated accounts, spec checks. Test files import from here,
never from each other (tests/ is on sys.path through conftest.py)."""
