"""Adapters to outside messaging services (an SMS gateway, the WhatsApp Business Platform, e-mail) and a
local emulator of each HTTP API, which the tests and the demo use on loopback. An adapter speaks the
provider's documented API; in production it differs from the demo only in its base URL and keys."""
