#!/usr/bin/python3
"""Service discovery on the server domain (XEP-0030 §3.1): an identity of category 'server' and the
disco#info feature itself."""
import xml.etree.ElementTree as ET

from xmpptest import check, run, step

NS = "http://jabber.org/protocol/disco#info"


async def scenario(sc):
    a = await sc.login(1, presence=False)
    resp = await a.iq("get", sc.cfg.domain, ET.Element(f"{{{NS}}}query"))
    query = resp.xml.find(f"{{{NS}}}query")
    check(query is not None, "result has no <query xmlns='http://jabber.org/protocol/disco#info'/>")
    identities = [(i.get("category"), i.get("type")) for i in query.findall(f"{{{NS}}}identity")]
    features = {f.get("var") for f in query.findall(f"{{{NS}}}feature")}
    # XEP-0030 §3.1: at least one identity; a server's is category 'server' (Disco registry: server/im).
    check(any(cat == "server" for cat, _ in identities), f"no identity of category 'server': {identities}")
    check(NS in features, "disco#info is not listed among the features (XEP-0030 §3.1)")
    step(f"identities {identities}")
    step(f"{len(features)} features: {' '.join(sorted(features))}")


run(scenario)
