#!/usr/bin/python3
"""Client-to-server ping (XEP-0199 §4.2): an IQ get with <ping xmlns='urn:xmpp:ping'/> to the domain gets an
empty result."""
import time
import xml.etree.ElementTree as ET

from xmpptest import check, run, step


async def scenario(sc):
    a = await sc.login(1, presence=False)
    started = time.monotonic()
    resp = await a.iq("get", sc.cfg.domain, ET.Element("{urn:xmpp:ping}ping"))
    check(resp["type"] == "result", f"reply type is '{resp['type']}'")
    check(resp["from"].bare in ("", sc.cfg.domain), f"reply came from {resp['from']}")
    step(f"pong from {resp['from'] or sc.cfg.domain} in {1000 * (time.monotonic() - started):.0f} ms")


run(scenario)
