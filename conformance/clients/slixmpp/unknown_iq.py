#!/usr/bin/python3
"""IQ get/set in a namespace nobody handles gets an error of type 'cancel' with <service-unavailable/>,
whether addressed to the server domain or to the user's own bare JID, which the server answers on the
account's behalf (RFC 6120 §8.4, §8.3.3.19; RFC 6121 §8.5.2.1 for the bare JID)."""
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from xmpptest import check, error_of, run, step

UNKNOWN = "urn:example:xmpp-conformance:unknown"


async def scenario(sc):
    a = await sc.login(1, presence=False)
    for iq_type in ("get", "set"):
        for to in (sc.cfg.domain, a.bare):
            try:
                await a.iq(iq_type, to, ET.Element(f"{{{UNKNOWN}}}query"))
            except IqError as e:
                etype, condition = error_of(e)
                check(condition == "service-unavailable",
                      f"IQ {iq_type} to {to}: condition '{condition}', expected 'service-unavailable'")
                check(etype == "cancel", f"IQ {iq_type} to {to}: error type '{etype}', expected 'cancel'")
                step(f"IQ {iq_type} to {to}: {etype}/{condition}")
                continue
            check(False, f"IQ {iq_type} to {to} in an unknown namespace got a result")


run(scenario)
