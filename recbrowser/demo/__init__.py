"""`recbrowser --demo`: the provider emulators (recbrowser/emulators/) started with a throwaway
cache and one account each; setup.py starts them, terminal.py shows the demo without a window."""
