#!/usr/bin/python3
"""Each user adds the other: subscribe / subscribed both ways (RFC 6121 §3.1), with the roster pushes the
server owes each side (§3.1.2 ask='subscribe', §3.1.5/§3.1.6 subscription 'to'/'from'/'both'), and each
user then sees the other's available presence (§3.1.6: the contact's current presence follows 'subscribed';
§4.2 initial presence broadcast).

Run after roster-cleanup: it expects the two accounts to start with no subscription between them."""
from xmpptest import check, is_presence, is_roster_push, run, step


async def subscribe(sc, user, contact):
    """user asks contact for a subscription; contact approves."""
    user.send_presence(pto=contact.bare, ptype="subscribe")
    # RFC 6121 §3.1.2: roster push to the user with ask='subscribe'.
    await user.expect(lambda s: is_roster_push(s, contact.bare, ask="subscribe"),
                      f"roster push for {contact.bare} with ask='subscribe'")
    # §3.1.3: the contact receives the request, from the user's bare JID.
    req = await contact.expect(lambda s: is_presence(s, "subscribe", bare_from=user.bare),
                               f"<presence type='subscribe'/> from {user.bare}")
    check(not req["from"].resource, f"subscription request came from a full JID {req['from']}, not the bare JID")
    step(f"{contact.bare} got the subscription request from {user.bare}")
    contact.send_presence(pto=user.bare, ptype="subscribed")
    # §3.1.5: the user receives 'subscribed' ...
    await user.expect(lambda s: is_presence(s, "subscribed", bare_from=contact.bare),
                      f"<presence type='subscribed'/> from {contact.bare}")
    # ... and §3.1.6: the contact's current presence from each available resource.
    pres = await user.expect(lambda s: is_presence(s, "available", from_jid=contact.boundjid),
                             f"available presence from {contact.boundjid}")
    step(f"{user.bare} is subscribed to {contact.bare} and sees it available ({pres['from']})")


async def scenario(sc):
    a = await sc.login(1)
    b = await sc.login(2)
    items = await a.roster_items()
    check(b.bare not in items, f"{a.bare} already has {b.bare} in its roster ({items.get(b.bare)}); "
                               "run roster-cleanup first")

    await subscribe(sc, a, b)
    await a.expect(lambda s: is_roster_push(s, b.bare, subscription="to"), f"roster push: {b.bare} subscription='to'")
    await b.expect(lambda s: is_roster_push(s, a.bare, subscription="from"),
                   f"roster push: {a.bare} subscription='from'")

    await subscribe(sc, b, a)
    await a.expect(lambda s: is_roster_push(s, b.bare, subscription="both"),
                   f"roster push: {b.bare} subscription='both'")
    await b.expect(lambda s: is_roster_push(s, a.bare, subscription="both"),
                   f"roster push: {a.bare} subscription='both'")
    step("both users have subscription='both'")


run(scenario)
