#!/usr/bin/python3
"""Stream management resumption with nbxmpp, as Gajim uses it (XEP-0198 §5).

User1 logs in with nbxmpp, which enables stream management with resumption by itself after bind
(<enable resume='true'/>), and receives numbered message 1 from user2 (a second nbxmpp client). User1's TCP
connection then fails under it: user1 connects through a loopback relay, and the relay resets both sides at
once (SO_LINGER 0: a TCP reset, no </stream:stream>, no TLS close_notify), so nbxmpp sees a lost connection,
not a clean close, and keeps its stream management state. While user1 is cut off, user2 sends messages 2 and
3 to user1's full JID and pings the server, so that both have been routed (RFC 6120 §10.1: in order) to the
detached session. User1 then reconnects the way Gajim's reconnect does (Client.connect() on the same Client):
nbxmpp authenticates and sends <resume previd=… h=…/> instead of binding. The server must answer <resumed/>
(nbxmpp's 'resume-successful' signal, no bind, the same full JID) and retransmit what user1 had not
acknowledged, so that user1 gets 1, 2, 3 and a message 4 sent after the resumption exactly once each, in order.

SKIP when the server offers no <sm xmlns='urn:xmpp:sm:3'/> stream feature or enables stream management without
resumption (resumption is optional, XEP-0198 §5)."""
from nbxtest import NS_SM, Account, ScenarioSkipped, check, run, step, wait_for


def scenario(sc):
    cfg = sc.cfg
    relay = sc.relay()
    a = Account(sc, 1, "user1", connect_port=relay.port).login(presence=True)
    if not a.client.sm_supported:
        raise ScenarioSkipped(f"the server offers no <sm xmlns='{NS_SM}'/> stream feature")
    answer = wait_for(lambda: next((r for r in a.received if NS_SM in r and ("<enabled" in r or "<failed" in r)),
                                   None), "<enabled/> or <failed/> after nbxmpp's <enable resume='true'/>",
                      cfg.wait)
    check("<failed" not in answer, f"<enable resume='true'/> was answered with {answer}")
    if not a.client.resumeable:
        raise ScenarioSkipped(f"stream management enabled without resumption: {answer}")
    step(f"stream management enabled with resumption: {answer}")
    full = a.jid

    b = Account(sc, 2, "user2").login(presence=False)
    prefix = sc.token("nbxmpp-sm-resume")

    def numbered():
        """The numbers of the numbered messages user1 got, in arrival order (direct messages only)."""
        return [p.body[len(prefix) + 1:] for _, p in a.messages
                if p.body and p.body.startswith(prefix + " ") and not p.is_carbon_message and not p.is_mam_message]

    b.send_chat(full, f"{prefix} 1")
    wait_for(lambda: "1" in numbered(), "message 1 on user1 (before the cut)", cfg.wait)
    step("user1 received message 1")

    mark = len(a.events)
    check(relay.cut() == 1, "the relay had no connection of user1's to cut")
    name = a.wait_event(("disconnected", "connection-failed"), "nbxmpp noticing the lost connection", since=mark)
    # Gajim reconnects and resumes only if the library still holds a resumable stream after the failure.
    check(a.client.resumeable, "nbxmpp dropped its stream management state on the lost connection")
    step(f"user1's TCP connection reset under it; nbxmpp signalled '{name}' and keeps its stream to resume")

    b.send_chat(full, f"{prefix} 2")
    b.send_chat(full, f"{prefix} 3")
    # RFC 6120 §10.1: the server handles user2's stanzas in order, so once the ping is answered messages 2 and 3
    # have been routed (to user1's detached session).
    b.ping(cfg.domain)
    step("user2 sent messages 2 and 3 while user1 was cut off")

    mark, sent_mark = len(a.events), len(a.sent)
    a.client.connect()
    name = a.wait_event(("resume-successful", "resume-failed", "connected", "connection-failed", "disconnected"),
                        "the resumption (signal 'resume-successful')", since=mark)
    resumed = [r for r in a.received if "<resumed" in r and NS_SM in r]
    check(name != "resume-failed", f"<resume/> was answered with <failed/>: "
                                   f"{[r for r in a.received if '<failed' in r and NS_SM in r][-1:]}")
    check(name != "connected", "the reconnect bound a fresh session instead of resuming the stream")
    check(name == "resume-successful", f"reconnecting ended with '{name}': {a.client.get_error()}")
    check(resumed, "nbxmpp reported a resumption but no <resumed/> was received")
    sent_since = a.sent[sent_mark:]
    resume = [s for s in sent_since if "<resume " in s or "<resume\n" in s]
    check(resume, f"nbxmpp did not send <resume/> (sent: {sent_since})")
    check(not [s for s in sent_since if "urn:ietf:params:xml:ns:xmpp-bind" in s],
          "a resource was bound again after the reconnect (a fresh session, not a resumption)")
    check(a.jid == full, f"resumed as {a.jid}, expected {full}")
    check(relay.accepted == 2, f"expected exactly one reconnection, the relay saw {relay.accepted} connections")
    step(f"user1 reconnected and resumed its stream as {full}: {resume[0]} -> {resumed[-1]}")

    b.send_chat(full, f"{prefix} 4")
    wait_for(lambda: "4" in numbered(), "message 4 on user1 (sent after the resumption)", cfg.wait)
    # XEP-0198 §5: the server retransmits the stanzas user1 had not acknowledged (its h in <resume/>), and only
    # those. Message 4 was sent after the resumption, so every retransmission precedes it.
    got = numbered()
    check(got == ["1", "2", "3", "4"], f"user1 received the numbered messages as {got}, expected exactly 1, 2, 3, "
                                       "4 (no loss, no duplicate, in order)")
    ids = [s.getID() for s, p in a.messages if p.body and p.body.startswith(prefix + " ")]
    check(len(set(ids)) == len(ids), f"message ids repeat: {ids}")
    check("connected" not in a.event_names(mark), "nbxmpp started a fresh session after the resumption")
    errors = [str(s) for s, p in b.messages if p.type.is_error]
    check(not errors, f"user2 got message errors: {errors}")
    step("user1 received messages 1, 2, 3, 4 exactly once, in order")


run(scenario)
