"""Local HTTP servers that speak each provider's real wire format (see ARCHITECTURE.md).

`start_emulators` is what `recbrowser emulate` and `--demo` use; each returned server's
`describe()` gives `{"provider", "base_url", "settings", "secrets"}`.
"""

from __future__ import annotations

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.emulators.dialgen import DialgenEmulator
from recbrowser.emulators.server import EmulatorServer
from recbrowser.emulators.voki import VokiEmulator
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.emulators.yeastar import YeastarEmulator

EMULATORS: dict[str, type[EmulatorServer]] = {"yeastar": YeastarEmulator, "bandwidth": BandwidthEmulator,
                                              "wildix": WildixEmulator, "dialgen": DialgenEmulator,
                                              "voki": VokiEmulator}


def start_emulators(providers: list[str], calls: int, faults: list[str]) -> list[EmulatorServer]:
    """Start one emulator per provider name (all with the same faults); stop them with `.stop()`."""
    unknown = [p for p in providers if p not in EMULATORS]
    if unknown:
        raise ValueError(f"no emulator for {', '.join(unknown)}; choose from {', '.join(EMULATORS)}")
    servers: list[EmulatorServer] = []
    try:
        for name in providers:
            # Wildix also serves the scripted calls whose conversation figures are known (showcase.py).
            extra = {"showcase": True} if name == "wildix" else {}
            server = EMULATORS[name](calls=calls, faults=faults, **extra)  # type: ignore[call-arg]
            server.start()
            servers.append(server)
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers
