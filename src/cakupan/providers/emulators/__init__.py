"""Local emulators of the outside messaging APIs, for the tests and the demo (loopback only)."""

from cakupan.providers.emulators.server import Emulator, EmulatorConfig

DEMO_PORT = 8025


def demo_environment(*, public_url: str, port: int = DEMO_PORT) -> dict[str, str]:
    """The settings (as environment variables) that point both phone channels at the emulator on
    loopback, with the emulator's own demo credentials: what `cakupan demo` serves with."""
    base = f"http://127.0.0.1:{port}"
    config = EmulatorConfig()
    return {
        "CAKUPAN_PUBLIC_URL": public_url,
        "CAKUPAN_SMS_URL": base,
        "CAKUPAN_SMS_ACCOUNT_SID": config.sms_account_sid,
        "CAKUPAN_SMS_AUTH_TOKEN": config.sms_auth_token,
        "CAKUPAN_WA_URL": base,
        "CAKUPAN_WA_PHONE_NUMBER_ID": config.whatsapp_phone_number_id,
        "CAKUPAN_WA_ACCESS_TOKEN": config.whatsapp_token,
        "CAKUPAN_WA_APP_SECRET": config.whatsapp_app_secret,
        "CAKUPAN_WA_VERIFY_TOKEN": "cakupan-demo",
    }


def channel_settings(emulator: Emulator, *, timeout: float = 30.0) -> dict[str, dict]:
    """The entries of settings.MESSAGING that point SMS and WhatsApp at this running emulator (tests, and
    the demo's own sending)."""
    config = emulator.config
    return {
        "sms": {
            "base_url": emulator.url,
            "account_sid": config.sms_account_sid,
            "auth_token": config.sms_auth_token,
            "sender": "CAKUPAN",
            "timeout": timeout,
        },
        "whatsapp": {
            "base_url": emulator.url,
            "api_version": "v21.0",
            "phone_number_id": config.whatsapp_phone_number_id,
            "access_token": config.whatsapp_token,
            "app_secret": config.whatsapp_app_secret,
            "verify_token": "verifikasi",
            "timeout": timeout,
        },
    }


__all__ = ["DEMO_PORT", "Emulator", "EmulatorConfig", "channel_settings", "demo_environment"]
