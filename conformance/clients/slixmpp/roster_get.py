#!/usr/bin/python3
"""Roster get (RFC 6121 §2.1.3) returns the contact with subscription='both' and no pending 'ask',
for both users, in a fresh session. Run after subscription-presence."""
from xmpptest import check, run, step


async def scenario(sc):
    for n, other in ((1, sc.cfg.jid2), (2, sc.cfg.jid1)):
        c = sc.client(n)
        await c.open_session()
        items = await c.roster_items()
        check(other in items, f"{c.bare}: {other} missing from roster {items}")
        item = items[other]
        check(item["subscription"] == "both", f"{c.bare}: {other} has subscription='{item['subscription']}'")
        check(item["ask"] is None, f"{c.bare}: {other} still has ask='{item['ask']}'")
        step(f"{c.bare}: {other} subscription='both'")


run(scenario)
