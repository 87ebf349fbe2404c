#!/usr/bin/python3
"""Message archive paging (XEP-0313 with XEP-0059 result set management, XEP-0359 stanza ids).

User1 is online. User2 sends a marker message and then N=25 numbered chat messages to user1. Each live copy
user1 receives carries <stanza-id xmlns='urn:xmpp:sid:0' by='user1's bare JID' id=…/> (XEP-0313 §5.1.2: the
archive id, by the archive's JID). User1 then queries its own archive with with=user2, in pages of 10
(<set><max>10</max><after>…</after></set>), starting after the marker's stanza-id so that older archived
messages between the two accounts do not matter. The three pages hold 10, 10 and 5 messages, all 25 in
sending order; the result ids equal the live stanza-ids; <fin/> has complete='true' only on the last page, and
its <set/> names the first and last ids of the page (XEP-0059 §2.3).

SKIP when disco#info on user1's bare JID does not list urn:xmpp:mam:2 (XEP-0313 §6.1)."""
from xmpptest import ScenarioSkipped, check, is_message, run, step
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

NS_MAM = "urn:xmpp:mam:2"
NS_SID = "urn:xmpp:sid:0"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_FORWARD = "urn:xmpp:forward:0"
N = 25
PAGE = 10


def stanza_id(message, by):
    for sid in message.xml.findall(f"{{{NS_SID}}}stanza-id"):
        if sid.get("by") == by:
            return sid.get("id")
    return None


async def scenario(sc):
    cfg = sc.cfg
    a = sc.client(1)
    a.register_plugin("xep_0313")
    await a.login(presence=True)
    step(f"{a.boundjid} logged in")
    if NS_MAM not in await a.disco_features(a.boundjid.bare):
        raise ScenarioSkipped(f"disco#info on {a.boundjid.bare} does not list {NS_MAM}")
    b = await sc.login(2, presence=False)

    prefix = sc.token("mam")
    live = []  # (label, stanza-id by user1's bare JID) in arrival order
    a.register_handler(Callback("mam numbered messages", StanzaPath("message"), lambda m: live.append(
        (m["body"][len(prefix) + 1:], stanza_id(m, a.boundjid.bare)))
        if m["type"] == "chat" and m["body"].startswith(prefix + " ") else None))

    b.send_message(mto=a.boundjid.bare, mbody=f"{prefix} marker", mtype="chat")
    for n in range(1, N + 1):
        b.send_message(mto=a.boundjid.bare, mbody=f"{prefix} {n}", mtype="chat")
    await a.expect(lambda s: is_message(s, f"{prefix} {N}"), f"live message {N}")
    labels = [label for label, _ in live]
    check(labels == ["marker"] + [str(n) for n in range(1, N + 1)],
          f"live messages arrived as {labels}, expected the marker then 1..{N}")
    missing = [label for label, sid in live if not sid]
    check(not missing, f"live messages without <stanza-id xmlns='{NS_SID}' by='{a.boundjid.bare}'/>: {missing}")
    live_ids = [sid for _, sid in live[1:]]
    check(len(set(live_ids)) == N, f"stanza-ids repeat: {live_ids}")
    step(f"user1 received the marker and {N} messages live, each with a stanza-id by {a.boundjid.bare}")

    after = live[0][1]
    archived = []  # (body number, result id)
    for page in range(1, 4):
        resp = await a["xep_0313"].retrieve(with_jid=b.boundjid.bare, rsm={"max": PAGE, "after": after},
                                            timeout=cfg.wait)
        results = resp["mam"]["results"]
        fin = resp.xml.find(f"{{{NS_MAM}}}fin")
        check(fin is not None, f"page {page}: the result has no <fin xmlns='{NS_MAM}'/>")
        rsm = fin.find(f"{{{NS_RSM}}}set")
        check(rsm is not None, f"page {page}: <fin/> has no <set xmlns='{NS_RSM}'/>")
        rows = []
        for r in results:
            res = r.xml.find(f"{{{NS_MAM}}}result")
            inner = res.find(f"{{{NS_FORWARD}}}forwarded/{{jabber:client}}message") if res is not None else None
            body = inner.find("{jabber:client}body") if inner is not None else None
            check(body is not None and (body.text or "").startswith(prefix + " "),
                  f"page {page}: unexpected archived message {r}")
            check(inner.get("from", "").split("/")[0] == b.boundjid.bare,
                  f"page {page}: archived 'from' is {inner.get('from')}, expected user2")
            rows.append((body.text[len(prefix) + 1:], res.get("id")))
        expected = [str(n) for n in range((page - 1) * PAGE + 1, min(page * PAGE, N) + 1)]
        check([label for label, _ in rows] == expected,
              f"page {page} holds {[label for label, _ in rows]}, expected {expected}")
        complete = fin.get("complete") in ("true", "1")
        # XEP-0313 §4.3: complete='true' when the page is the last one of the result set in the query's order.
        check(complete == (page == 3), f"page {page}: complete={fin.get('complete')!r}, expected "
                                       f"{'true' if page == 3 else 'absent/false'}")
        first, last = rsm.find(f"{{{NS_RSM}}}first"), rsm.find(f"{{{NS_RSM}}}last")
        # XEP-0059 §2.3: <first/> and <last/> name the first and last items of the page.
        check(first is not None and first.text == rows[0][1],
              f"page {page}: <first> is {first.text if first is not None else None}, expected {rows[0][1]}")
        check(last is not None and last.text == rows[-1][1],
              f"page {page}: <last> is {last.text if last is not None else None}, expected {rows[-1][1]}")
        step(f"page {page}: messages {expected[0]}..{expected[-1]}, complete={fin.get('complete')}")
        archived += rows
        after = last.text

    archive_ids = [rid for _, rid in archived]
    mismatched = [(n, lid, rid) for n, lid, rid in zip(range(1, N + 1), live_ids, archive_ids) if lid != rid]
    check(not mismatched, f"live stanza-id differs from the archive result id (n, live, archive): {mismatched}")
    step(f"all {N} archive result ids equal the live stanza-ids")


run(scenario)
