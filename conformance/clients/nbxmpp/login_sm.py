#!/usr/bin/python3
"""nbxmpp (the library under Gajim) logs in as user1 over STARTTLS (RFC 6120 §5), authenticates with SCRAM
(RFC 6120 §6, RFC 5802/7677: the client is limited to SCRAM-SHA-256 and SCRAM-SHA-1), binds a resource (§7)
and enables stream management with resumption, as Gajim does (XEP-0198 §3: <enabled/> with an id and
resume='true'). Then it closes the stream cleanly.

The server certificate is trusted the way Gajim does it after the user accepts a certificate: it is passed to
set_accepted_certificates, and nbxmpp then clears only the unknown-CA error for exactly that certificate; the
name check against the XMPP domain stays on. Prints its steps, then OK, FAIL: … (exit 1) or SKIP: … (exit 77).
"""
import os
import sys

try:
    import nbxmpp  # noqa: F401 - imported for the version check; selects GLib/Gio/Soup versions
    from gi.repository import Gio, GLib
    from nbxmpp.client import Client
    from nbxmpp.const import ConnectionProtocol, ConnectionType
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-nbxmpp is not installed ({e})", flush=True)
    sys.exit(77)

NS_SM = "urn:xmpp:sm:3"


def step(message):
    print(f"  - {message}", flush=True)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        print(f"FAIL: environment variable {name} is not set (run through conformance/run.sh)", flush=True)
        sys.exit(1)
    return value


def main():
    host, port, domain = env("XMPP_HOST"), env("XMPP_PORT"), env("XMPP_DOMAIN")
    user, password = env("XMPP_USER1"), env("XMPP_PASS1")
    localpart = user.split("@")[0]
    ca_cert = os.environ.get("XMPP_CA_CERT") or None
    insecure = os.environ.get("XMPP_INSECURE", "0") == "1"
    wait = float(os.environ.get("XMPP_WAIT_TIMEOUT", "15"))

    loop = GLib.MainLoop()
    outcome = {"failure": None, "done": False}
    sent, received = [], []

    client = Client(log_context="conformance")
    client.set_domain(domain)
    client.set_username(localpart)
    client.set_password(password)
    client.set_resource(f"conf-nbxmpp-{os.getpid()}")
    client.set_custom_host(f"{host}:{port}", ConnectionProtocol.TCP, ConnectionType.START_TLS)
    client.set_mechs({"SCRAM-SHA-256", "SCRAM-SHA-1"})
    if insecure:
        client.set_ignore_tls_errors(True)
    elif ca_cert:
        client.set_accepted_certificates([Gio.TlsCertificate.new_from_file(ca_cert)])

    def fail(message):
        if outcome["failure"] is None and not outcome["done"]:
            outcome["failure"] = message
        loop.quit()

    def text(data):
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)

    def on_sent(_client, _signal, data):
        sent.append(text(data))

    def on_received(_client, _signal, data):
        received.append(text(data))

    def on_failed(_client, _signal, *args):
        error = client.get_error() if hasattr(client, "get_error") else None
        fail(f"connection failed: {error}")

    def on_disconnected(_client, _signal, *args):
        if outcome["done"]:
            loop.quit()
        else:
            error = client.get_error() if hasattr(client, "get_error") else None
            fail(f"disconnected before the checks completed: {error}")

    def on_connected(_client, _signal, *args):
        step(f"session established as {client.get_bound_jid()}")
        if client.current_connection_type != ConnectionType.START_TLS or not client.is_stream_secure:
            fail(f"not a STARTTLS-secured stream: {client.current_connection_type}")
            return
        try:
            version = Gio.TlsProtocolVersion(client.tls_version).value_nick
        except (TypeError, ValueError):
            version = client.tls_version
        step(f"STARTTLS negotiated ({version}, {client.ciphersuite})")
        auths = [s for s in sent if "<auth " in s]
        if not auths or "SCRAM-SHA-" not in auths[0]:
            fail(f"no SCRAM <auth/> was sent: {auths}")
            return
        step("authenticated with " + auths[0].split("mechanism=")[1][1:].split('"')[0].split("'")[0])
        if not client.sm_supported:
            fail(f"the server offers no <sm xmlns='{NS_SM}'/> stream feature")
            return
        GLib.timeout_add(50, poll_enabled)

    def poll_enabled():
        enabled = [r for r in received if "<enabled" in r and NS_SM in r]
        failed = [r for r in received if "<failed" in r and NS_SM in r]
        if failed:
            fail(f"<enable/> was answered with {failed[0]}")
            return False
        if not enabled:
            return True  # keep polling until the deadline
        if not client.resumeable:
            fail(f"stream management enabled without resumption: {enabled[0]}")
            return False
        step(f"stream management enabled with resumption: {enabled[0]}")
        outcome["done"] = True
        client.disconnect()
        return False

    client.subscribe("stanza-sent", on_sent)
    client.subscribe("stanza-received", on_received)
    client.subscribe("connection-failed", on_failed)
    client.subscribe("disconnected", on_disconnected)
    client.subscribe("connected", on_connected)

    GLib.timeout_add(int(wait * 2 * 1000), lambda: fail(f"no result within {wait * 2:.0f} s") or False)
    client.connect()
    loop.run()

    if outcome["failure"] is not None:
        print(f"FAIL: {outcome['failure']}", flush=True)
        sys.exit(1)
    print("OK", flush=True)


main()
