#!/usr/bin/python3
"""Message carbons with nbxmpp, as Gajim uses them (XEP-0280).

User1 is online twice with nbxmpp (resources A and B). Each discovers the server's features through nbxmpp's
Discovery module and, finding urn:xmpp:carbons:2, enables carbons with <iq type='set'><enable/></iq> (§4), which
is what Gajim's carbons module sends after that disco. nbxmpp itself unwraps carbons: it accepts one only from
the account's bare JID and hands the forwarded message to the handlers with properties.carbon set.
User2 (a third nbxmpp client) sends a chat message to A's full JID: A gets it, and B gets a <received/> carbon
whose forwarded message is the original, from user2 to A (§6). A sends a chat message to user2: user2 gets it,
and B gets a <sent/> carbon of it, from A to user2; A gets no carbon of its own message (§7).

SKIP when the server's disco#info does not list urn:xmpp:carbons:2 (§3)."""
from nbxtest import Account, Iq, Namespace, ScenarioSkipped, check, run, step

NS_CARBONS = "urn:xmpp:carbons:2"


def carbons_on_wire(account, kind, body):
    """The outer <message/> elements account read that carry a <kind/> carbon of a message with body."""
    return [r for r in account.received if r.startswith("<message") and f"<{kind} " in r and NS_CARBONS in r
            and body in r]


def scenario(sc):
    cfg = sc.cfg
    a = Account(sc, 1, "user1-A").login(presence=True)
    b = Account(sc, 1, "user1-B").login(presence=True)
    for account in (a, b):
        # Gajim enables carbons on each connection once its disco#info on the server lists them.
        if NS_CARBONS not in account.disco_features(cfg.domain):
            raise ScenarioSkipped(f"the server's disco#info does not list {NS_CARBONS}")
        iq = Iq("set")
        iq.setTag("enable", namespace=Namespace.CARBONS)
        reply = account.iq(iq, "<enable xmlns='urn:xmpp:carbons:2'/>")
        check(reply.getType() == "result", f"{account.label}: carbons <enable/> was answered with {reply}")
    step("A and B enabled carbons")
    u2 = Account(sc, 2, "user2").login(presence=True)

    def direct(body):
        return lambda s, p: p.body == body and not p.is_carbon_message and not p.is_mam_message

    def carbon(kind, body):
        return lambda s, p: p.body == body and p.is_carbon_message and p.carbon.type == kind

    body1 = sc.token("nbxmpp-carbons-received")
    u2.send_chat(a.jid, body1)
    _, p = a.wait_message(direct(body1), "user2's message on A")
    check(str(p.from_) == u2.jid, f"A: 'from' is {p.from_}, expected {u2.jid}")
    step("A received user2's message")
    _, p = b.wait_message(carbon("received", body1), "a <received/> carbon of user2's message on B")
    # XEP-0280 §6: the carbon forwards the original unchanged: from user2's full JID to A's full JID. (nbxmpp
    # has already checked that the wrapper came from user1's bare JID, or it would have dropped it.)
    check(str(p.from_) == u2.jid, f"B: forwarded 'from' is {p.from_}, expected {u2.jid}")
    check(str(p.to) == a.jid, f"B: forwarded 'to' is {p.to}, expected {a.jid}")
    wire = carbons_on_wire(b, "received", body1)
    check(len(wire) == 1, f"B read {len(wire)} <received/> carbons of the message, expected 1: {wire}")
    check(f'to="{b.jid}"' in wire[0] or f"to='{b.jid}'" in wire[0], f"B: the carbon is not addressed to B: {wire[0]}")
    check(not [e for e in b.messages if direct(body1)(*e)], "B also got user2's message itself, not only a carbon")
    step("B received a <received/> carbon from user1's bare JID forwarding user2's message to A")

    body2 = sc.token("nbxmpp-carbons-sent")
    a.send_chat(u2.jid, body2)
    _, p = u2.wait_message(direct(body2), "A's message on user2")
    check(str(p.from_) == a.jid, f"user2: 'from' is {p.from_}, expected {a.jid}")
    _, p = b.wait_message(carbon("sent", body2), "a <sent/> carbon of A's message on B")
    # XEP-0280 §7: the sent carbon carries the message as A sent it, stamped with A's full JID.
    check(str(p.to) == u2.jid, f"B: forwarded 'to' is {p.to}, expected {u2.jid}")
    check(str(p.from_) == a.jid, f"B: forwarded 'from' is {p.from_}, expected {a.jid}")
    check(len(carbons_on_wire(b, "sent", body2)) == 1, "B read more than one <sent/> carbon of A's message")
    # §7: the sending resource itself gets no copy. The server handles A's stanzas in order (RFC 6120 §10.1), so
    # a carbon to A would reach A before the answer to a ping A sends now.
    a.ping(cfg.domain)
    check(not carbons_on_wire(a, "sent", body2), "A got a <sent/> carbon of its own message")
    check(not [e for e in a.messages if e[1].body == body2], "A got its own message back")
    step("B received a <sent/> carbon of A's message; A got none")


run(scenario)
