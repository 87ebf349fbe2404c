#!/usr/bin/python3
"""Setup: brings both accounts back to an empty roster with no pending subscriptions, so the suite can be
run again and again against the same accounts. Logging in also drains any offline messages left over.

RFC 6121 §3.2/§3.3: 'unsubscribed' cancels a pending inbound request or the contact's subscription,
'unsubscribe' the user's own; §2.5: a roster remove cancels what is left and deletes the item.
"""
from xmpptest import check, run, step


async def scenario(sc):
    a = await sc.login(1, presence=False)
    b = await sc.login(2, presence=False)
    for me, other in ((a, b), (b, a)):
        me.send_presence(pto=other.bare, ptype="unsubscribed")
        me.send_presence(pto=other.bare, ptype="unsubscribe")
    for c in (a, b):
        items = await c.roster_items()
        for jid in items:
            await c.roster_remove(jid)
        step(f"{c.bare}: removed {len(items)} roster item(s) {sorted(items)}")
    for c in (a, b):
        items = await c.roster_items()
        check(not items, f"{c.bare}: roster still has items after removal: {items}")
    step("both rosters are empty")


run(scenario)
