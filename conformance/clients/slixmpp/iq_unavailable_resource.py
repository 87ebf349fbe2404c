#!/usr/bin/python3
"""An IQ to a full JID with no such connected resource is answered by the server with
<service-unavailable/> (RFC 6121 §8.5.3.2), not silently dropped."""
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from xmpptest import check, error_of, run, step


async def scenario(sc):
    a = await sc.login(1, presence=False)
    to = f"{sc.cfg.jid2}/conformance-no-such-resource"
    try:
        await a.iq("get", to, ET.Element("{urn:xmpp:ping}ping"))
    except IqError as e:
        etype, condition = error_of(e)
        check(condition == "service-unavailable", f"condition '{condition}', expected 'service-unavailable'")
        step(f"IQ to {to}: {etype}/{condition}")
        return
    check(False, f"IQ to the unconnected resource {to} got a result")


run(scenario)
