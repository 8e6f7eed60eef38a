"""Local emulators of the outside messaging APIs, for the tests and the demo (loopback only)."""

from cakupan.providers.emulators.server import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]
