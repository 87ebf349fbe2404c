#!/usr/bin/python3
"""Both accounts log in: STARTTLS with the server certificate verified against the configured trust anchor,
SASL, resource binding (RFC 6120 §5, §6, §7)."""
from xmpptest import check, run, step


async def scenario(sc):
    for n in (1, 2):
        c = sc.client(n, resource=f"conf-login-{n}")
        tls_version = await c.open_session()
        jid, _ = sc.cfg.account(n)
        # RFC 6120 §7: the bound JID is the account's bare JID plus a resource.
        check(c.boundjid.bare == jid, f"bound JID {c.boundjid} is not the account {jid}")
        check(bool(c.boundjid.resource), f"bound JID {c.boundjid} has no resource")
        step(f"{c.boundjid} bound over {tls_version}"
             + (" (certificate NOT verified: insecure mode)" if sc.cfg.insecure else " (certificate verified)"))
        await c.close()


run(scenario)
