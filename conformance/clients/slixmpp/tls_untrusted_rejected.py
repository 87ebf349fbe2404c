#!/usr/bin/python3
"""The suite really verifies certificates: a client that trusts only the system CA store (not the server's
self-signed certificate) must fail the TLS handshake and never get a session (RFC 6120 §13.7.2).

Skipped when no XMPP_CA_CERT is given or in insecure mode: then the server certificate is
expected to chain to the system store, and this check has nothing to prove."""
from xmpptest import ScenarioSkipped, SessionRefused, check, run, step


async def scenario(sc):
    if sc.cfg.insecure or not sc.cfg.ca_cert:
        raise ScenarioSkipped("no private trust anchor (XMPP_CA_CERT) configured")
    c = sc.client(1, resource="conf-untrusted", trust="system")
    try:
        await c.open_session(timeout=sc.cfg.wait)
    except SessionRefused as e:
        check(e.kind in ("disconnected", "connection_failed", "stream_error"),
              f"unexpected outcome for an untrusted certificate: {e}")
        step(f"untrusted certificate refused by the client ({e.kind})")
        return
    check(False, "a client without the trust anchor established a session: the certificate was not verified")


run(scenario)
