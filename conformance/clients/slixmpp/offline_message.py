#!/usr/bin/python3
"""Offline delivery: user2 goes offline, user1 sends a chat message, user2 comes back and gets it with a
<delay xmlns='urn:xmpp:delay' stamp=.../> (RFC 6121 §8.5.2.2 storage, XEP-0160, XEP-0203)."""
from xmpptest import NS_DELAY, check, is_message, is_presence, run, step


async def scenario(sc):
    a = await sc.login(1)
    b = await sc.login(2)
    b_full = b.boundjid.full
    items = await a.roster_items()
    subscribed = items.get(b.bare, {}).get("subscription") in ("to", "both")

    await b.close()
    step(f"{b_full} disconnected")
    if subscribed:
        # RFC 6121 §4.5: the server broadcasts unavailable presence when the session ends; once it arrives
        # user2 has no available resource, so the next message must be stored.
        await a.expect(lambda s: is_presence(s, "unavailable", from_jid=b_full), f"unavailable presence from {b_full}")
        step(f"{a.bare} saw {b_full} go unavailable")

    body = sc.token("offline")
    a.send_message(mto=b.bare, mbody=body, mtype="chat")
    step("user1 sent a message to offline user2")

    b2 = sc.client(2)
    await b2.login(presence=True)  # XEP-0160: stored messages follow initial presence
    m = await b2.expect(lambda s: is_message(s, body), "the stored message after coming back online")
    check(m["from"].bare == a.bare, f"'from' is {m['from']}, expected user1")
    delay = m.xml.find(f"{{{NS_DELAY}}}delay")
    check(delay is not None, "the stored message carries no <delay xmlns='urn:xmpp:delay'/>")
    check(bool(delay.get("stamp")), "<delay/> has no 'stamp' (XEP-0203 §3: REQUIRED)")
    step(f"{b2.boundjid} got the stored message, delay stamp={delay.get('stamp')} from={delay.get('from')}")


run(scenario)
