#!/usr/bin/python3
"""Messages both ways between two online users (RFC 6121 §5): a chat message to the bare JID reaches the
contact's available resource (§8.5.2.1), a reply to the full JID reaches exactly that resource (§8.5.3.1),
bodies and 'from' are as sent."""
from xmpptest import check, is_message, run, step


async def scenario(sc):
    a = await sc.login(1)
    b = await sc.login(2)

    body1 = sc.token("a-to-b")
    a.send_message(mto=b.bare, mbody=body1, mtype="chat")
    m = await b.expect(lambda s: is_message(s, body1), "the message from user1")
    check(m["type"] == "chat", f"type is '{m['type']}', expected 'chat'")
    # RFC 6120 §8.1.2.1: the server stamps the sender's full JID.
    check(str(m["from"]) == str(a.boundjid), f"'from' is {m['from']}, expected {a.boundjid}")
    check(m["body"] == body1, "body changed in transit")
    step(f"{b.boundjid} received user1's message from {m['from']}")

    body2 = sc.token("b-to-a")
    b.send_message(mto=m["from"], mbody=body2, mtype="chat")
    r = await a.expect(lambda s: is_message(s, body2), "the reply from user2")
    check(str(r["from"]) == str(b.boundjid), f"'from' is {r['from']}, expected {b.boundjid}")
    check(r["type"] == "chat", f"type is '{r['type']}', expected 'chat'")
    step(f"{a.boundjid} received user2's reply")


run(scenario)
