#!/usr/bin/python3
"""Before STARTTLS the server offers <starttls> with <required/> (RFC 6120 §5.3.1, TLS mandatory-to-negotiate)
and does not let a client authenticate in the clear (§5.3.1, §6.4.1; <encryption-required/> is §6.5.4).

Raw bytes on purpose: libraries refuse to send credentials unencrypted. The authentication attempt uses the real
password, so it is only made when the server is on the loopback interface; elsewhere only the features are
checked. SKIP with XMPP_ALLOW_PLAINTEXT=1 (a server configured to accept unencrypted clients)."""
import asyncio
import base64
import ipaddress
import os
import xml.etree.ElementTree as ET

from xmpptest import ScenarioSkipped, check, run, step

NS_STREAM = "http://etherx.jabber.org/streams"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def next_element(reader, parser, depth_state, timeout):
    """Reads until the next complete child of <stream:stream> (depth 1); None at end of stream."""
    while True:
        for event, elem in parser.read_events():
            if event == "start":
                depth_state[0] += 1
            else:
                depth_state[0] -= 1
                if depth_state[0] == 1:
                    return elem
                if depth_state[0] == 0:
                    return None
        data = await asyncio.wait_for(reader.read(4096), timeout)
        if not data:
            return None
        parser.feed(data)


async def scenario(sc):
    if os.environ.get("XMPP_ALLOW_PLAINTEXT") == "1":
        raise ScenarioSkipped("XMPP_ALLOW_PLAINTEXT=1: the server may accept unencrypted clients")
    cfg = sc.cfg
    reader, writer = await asyncio.wait_for(asyncio.open_connection(cfg.host, cfg.port), cfg.wait)
    try:
        parser = ET.XMLPullParser(("start", "end"))
        depth = [0]
        writer.write((f"<?xml version='1.0'?><stream:stream to='{cfg.domain}' version='1.0' "
                      f"xmlns='jabber:client' xmlns:stream='{NS_STREAM}'>").encode())
        await writer.drain()
        features = await next_element(reader, parser, depth, cfg.wait)
        check(features is not None and features.tag == f"{{{NS_STREAM}}}features",
              f"expected <stream:features>, got {features.tag if features is not None else 'end of stream'}")
        starttls = features.find(f"{{{NS_TLS}}}starttls")
        check(starttls is not None, "no <starttls/> among the stream features")
        check(starttls.find(f"{{{NS_TLS}}}required") is not None, "<starttls/> is not marked <required/>")
        mechanisms = features.find(f"{{{NS_SASL}}}mechanisms")
        offered = [m.text for m in mechanisms] if mechanisms is not None else []
        step(f"features before TLS: starttls required, SASL mechanisms offered: {offered or 'none'}")

        if not is_loopback(cfg.host):
            step("server is not on loopback: not sending credentials in the clear")
            return
        user = cfg.jid1.split("@", 1)[0]
        token = base64.b64encode(f"\0{user}\0{cfg.pass1}".encode()).decode()
        writer.write(f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>".encode())
        await writer.drain()
        try:
            answer = await next_element(reader, parser, depth, cfg.wait)
        except (ConnectionError, asyncio.IncompleteReadError):
            answer = None
        except asyncio.TimeoutError:
            check(False, "no answer to <auth/> sent without TLS (expected <failure/>, a stream error or a close)")
        if answer is None:
            step("the server closed the stream")
            return
        check(answer.tag != f"{{{NS_SASL}}}success", "authentication SUCCEEDED without TLS")
        check(answer.tag in (f"{{{NS_SASL}}}failure", f"{{{NS_STREAM}}}error"),
              f"unexpected answer to <auth/> without TLS: {answer.tag}")
        condition = [c.tag.split('}')[-1] for c in answer]
        step(f"<auth/> without TLS refused: {answer.tag.split('}')[-1]} {condition}")
    finally:
        writer.close()


run(scenario)
