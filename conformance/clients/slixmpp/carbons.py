#!/usr/bin/python3
"""Message carbons (XEP-0280): user1 is online twice (resources A and B), both enable carbons (§4). User2 sends
a chat message to A's full JID: A gets it, and B gets a <received/> carbon from user1's bare JID wrapping the
original (§6). A sends a chat message to user2: user2 gets it, and B gets a <sent/> carbon wrapping it (§7).

SKIP when the server's disco#info does not list urn:xmpp:carbons:2 (§3)."""
from xmpptest import ScenarioSkipped, check, is_message, run, step

NS_CARBONS = "urn:xmpp:carbons:2"
NS_FORWARD = "urn:xmpp:forward:0"


def carbon(stanza, kind, body):
    """The forwarded <message/> inside a <kind/> carbon whose inner body is body, else None."""
    if stanza.xml.tag != "{jabber:client}message":
        return None
    wrapper = stanza.xml.find(f"{{{NS_CARBONS}}}{kind}")
    if wrapper is None:
        return None
    inner = wrapper.find(f"{{{NS_FORWARD}}}forwarded/{{jabber:client}}message")
    if inner is None:
        return None
    inner_body = inner.find("{jabber:client}body")
    return inner if inner_body is not None and inner_body.text == body else None


async def scenario(sc):
    a = sc.client(1)
    b = sc.client(1)
    for c in (a, b):
        c.register_plugin("xep_0280")
    await a.login(presence=True)
    await b.login(presence=True)
    step(f"user1 logged in twice: A={a.boundjid} B={b.boundjid}")
    features = await a.disco_features(sc.cfg.domain)
    if NS_CARBONS not in features:
        raise ScenarioSkipped(f"the server's disco#info does not list {NS_CARBONS}")
    for c in (a, b):
        await c["xep_0280"].enable(timeout=sc.cfg.wait)
    step("both resources enabled carbons")
    u2 = await sc.login(2, presence=True)

    body1 = sc.token("carbons-received")
    u2.send_message(mto=a.boundjid.full, mbody=body1, mtype="chat")
    m = await a.expect(lambda s: is_message(s, body1), "user2's message on resource A")
    check(str(m["from"]) == u2.boundjid.full, f"'from' is {m['from']}, expected {u2.boundjid.full}")
    step("A received user2's message")
    c = await b.expect(lambda s: carbon(s, "received", body1) is not None, "a <received/> carbon on resource B")
    # XEP-0280 §6: the carbon comes from the user's bare JID, is addressed to the full JID of the resource, and
    # forwards the original unchanged.
    check(str(c["from"]) == a.boundjid.bare, f"carbon 'from' is {c['from']}, expected {a.boundjid.bare}")
    check(str(c["to"]) == b.boundjid.full, f"carbon 'to' is {c['to']}, expected {b.boundjid.full}")
    inner = carbon(c, "received", body1)
    check(inner.get("from") == u2.boundjid.full, f"forwarded 'from' is {inner.get('from')}, expected user2")
    check(inner.get("to") == a.boundjid.full, f"forwarded 'to' is {inner.get('to')}, expected A")
    check(not b.has(lambda s: is_message(s, body1)), "B also got user2's message itself, not only a carbon")
    step("B received a <received/> carbon from user1's bare JID with the original")

    body2 = sc.token("carbons-sent")
    a.send_message(mto=u2.boundjid.full, mbody=body2, mtype="chat")
    r = await u2.expect(lambda s: is_message(s, body2), "A's message on user2")
    check(str(r["from"]) == a.boundjid.full, f"'from' is {r['from']}, expected {a.boundjid.full}")
    c = await b.expect(lambda s: carbon(s, "sent", body2) is not None, "a <sent/> carbon on resource B")
    check(str(c["from"]) == a.boundjid.bare, f"carbon 'from' is {c['from']}, expected {a.boundjid.bare}")
    inner = carbon(c, "sent", body2)
    check(inner.get("to") == u2.boundjid.full, f"forwarded 'to' is {inner.get('to')}, expected user2")
    # XEP-0280 §7: the sent carbon carries the message as the sending resource sent it, from its full JID.
    check(inner.get("from") == a.boundjid.full, f"forwarded 'from' is {inner.get('from')}, expected A")
    # §7: the sending resource itself gets no copy.
    check(not a.has(lambda s: carbon(s, "sent", body2) is not None), "A got a <sent/> carbon of its own message")
    step("B received a <sent/> carbon of A's message")


run(scenario)
