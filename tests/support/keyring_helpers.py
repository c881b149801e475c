"""The real keyring under test: its password and unlocking it again."""

from __future__ import annotations

import os

KEYRING_PASSWORD = os.environ.get("RECBROWSER_TEST_KEYRING_PASSWORD", "pw")


def unlock_default_collection(password: str) -> None:
    """Unlock gnome-keyring's default collection without a prompt (its test-only D-Bus method)."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    secrets = "/org/freedesktop/secrets"
    service = DBusAddress(secrets, bus_name="org.freedesktop.secrets", interface="org.freedesktop.Secret.Service")
    internal = DBusAddress(
        secrets, bus_name="org.freedesktop.secrets", interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
    )
    with open_dbus_connection(bus="SESSION") as conn:
        path = conn.send_and_get_reply(new_method_call(service, "ReadAlias", "s", ("default",))).body[0]
        session = conn.send_and_get_reply(new_method_call(service, "OpenSession", "sv", ("plain", ("s", "")))).body[1]
        master = (session, b"", password.encode(), "text/plain")
        reply = conn.send_and_get_reply(new_method_call(internal, "UnlockWithMasterPassword", "o(oayays)", (path, master)))
        assert reply.header.message_type.name == "method_return", f"could not unlock the test keyring: {reply.body}"
