#!/usr/bin/python3
"""Message archive paging with nbxmpp, as Gajim pages its archive (XEP-0313 with XEP-0059, XEP-0359).

User1 is online with nbxmpp. User2 (a second nbxmpp client) sends a marker and then N=25 numbered chat messages
to user1's bare JID. Each live copy carries <stanza-id by=user1's bare JID/> (XEP-0313 §3, XEP-0359), which
nbxmpp parses into properties.stanza_ids. User1 then pages its archive the way Gajim's MAM module does: nbxmpp's
MAM.make_query on its own archive with a fresh queryid per page, an RSM <max>10</max> and <after> = the last id
seen (the marker's stanza-id first, so older archived messages do not matter, as in Gajim's catch-up after the
last stanza-id it stored), following rsm.last until the server says complete='true'. nbxmpp unwraps each
<result/> (it drops results without a queryid, an id or a <delay/>) and hands the forwarded message to the
handlers with properties.mam set.

Checks: every page's results arrive before its <fin/> IQ result (§4) and carry the page's queryid; pages of 10,
10 and 5, complete only on the last (§4.3, XEP-0059 §2.3: <first>/<last> name the page's ends); all 25 messages
exactly once, in sending order, from user2 (nothing else reaches user1's archive meanwhile); each result id
equals the stanza-id of the live copy.

SKIP when disco#info on user1's bare JID does not list urn:xmpp:mam:2 (XEP-0313 §6.1)."""
import uuid

from nbxtest import Account, ScenarioSkipped, check, run, step, wait_for

NS_MAM = "urn:xmpp:mam:2"
N = 25
PAGE = 10


def scenario(sc):
    cfg = sc.cfg
    a = Account(sc, 1, "user1").login(presence=True)
    if NS_MAM not in a.disco_features(a.bare):
        raise ScenarioSkipped(f"disco#info on {a.bare} does not list {NS_MAM}")
    b = Account(sc, 2, "user2").login(presence=False)
    prefix = sc.token("nbxmpp-mam")

    def live():
        """(label, stanza-id by user1's bare JID) of the numbered messages user1 got live, in arrival order."""
        out = []
        for _, p in a.messages:
            if p.body and p.body.startswith(prefix + " ") and not p.is_mam_message and not p.is_carbon_message:
                ids = [s.id for s in p.stanza_ids if s.by == a.bare]
                out.append((p.body[len(prefix) + 1:], ids[0] if len(ids) == 1 else None))
        return out

    b.send_chat(a.bare, f"{prefix} marker")
    for n in range(1, N + 1):
        b.send_chat(a.bare, f"{prefix} {n}")
    wait_for(lambda: len(live()) >= N + 1, f"the marker and {N} messages live on user1", cfg.wait)
    labels = [label for label, _ in live()]
    check(labels == ["marker"] + [str(n) for n in range(1, N + 1)],
          f"live messages arrived as {labels}, expected the marker then 1..{N}")
    missing = [label for label, sid in live() if not sid]
    check(not missing, f"live messages without exactly one <stanza-id by='{a.bare}'/>: {missing}")
    live_ids = [sid for _, sid in live()[1:]]
    check(len(set(live_ids)) == N, f"stanza-ids repeat: {live_ids}")
    step(f"user1 received the marker and {N} messages live, each with a stanza-id by {a.bare}")

    mam = a.client.get_module("MAM")
    after = live()[0][1]
    archived = []  # (label, result id) in the order received
    pages = []
    while True:
        check(len(pages) < 6, f"no complete='true' after {len(pages)} pages of at most {PAGE}")
        queryid = uuid.uuid4().hex
        mark = len(a.messages)
        # Gajim's catch-up query: the own archive after the last stanza-id it knows, no 'with' filter (nbxmpp
        # 4.2's MAM.make_query also cannot build the jid-single 'with' field: DataField(options=None) raises
        # TypeError).
        result = a.call(f"the <fin/> of page {len(pages) + 1}", mam.make_query, a.bare, queryid=queryid,
                        after=after, max_=PAGE)
        # XEP-0313 §4: the server sends the IQ result after the last result of the page, so every result of this
        # page has been dispatched by the time nbxmpp finished the query.
        rows = [(s, p) for s, p in a.messages[mark:] if p.is_mam_message]
        check(all(p.mam.query_id == queryid for _, p in rows),
              f"page {len(pages) + 1}: results with another queryid: {[p.mam.query_id for _, p in rows]}")
        check(all(p.mam.archive.bare == a.bare for _, p in rows),
              f"page {len(pages) + 1}: results from another archive: {[str(p.mam.archive) for _, p in rows]}")
        page = []
        for _, p in rows:
            check(p.body and p.body.startswith(prefix + " "), f"unexpected archived message {p.body!r}")
            check(p.from_.bare == b.bare, f"archived 'from' is {p.from_}, expected user2")
            page.append((p.body[len(prefix) + 1:], p.mam.id))
        check(len(page) <= PAGE, f"page {len(pages) + 1} holds {len(page)} results, more than <max>{PAGE}</max>")
        if page:
            # XEP-0059 §2.3: <first/> and <last/> name the first and last items of the page.
            check(result.rsm.first == page[0][1] and result.rsm.last == page[-1][1],
                  f"page {len(pages) + 1}: <first>{result.rsm.first}</first> <last>{result.rsm.last}</last>, "
                  f"expected {page[0][1]} and {page[-1][1]}")
        pages.append((page, result.complete))
        archived += page
        step(f"page {len(pages)}: {len(page)} messages "
             f"({page[0][0] if page else '-'}..{page[-1][0] if page else '-'}), complete={result.complete}")
        if result.complete:
            break
        check(page, f"page {len(pages)} is empty but not complete")
        after = result.rsm.last

    sizes = [len(page) for page, _ in pages]
    check(sizes == [10, 10, 5], f"pages held {sizes} messages, expected 10, 10, 5")
    # XEP-0313 §4.3: complete='true' only on the page that ends the result set.
    check([complete for _, complete in pages] == [False, False, True],
          f"complete flags {[c for _, c in pages]}, expected only the last page complete")
    labels = [label for label, _ in archived]
    check(labels == [str(n) for n in range(1, N + 1)], f"the archive returned {labels}, expected 1..{N} in order")
    mismatched = [(n, lid, rid) for n, lid, (_, rid) in zip(range(1, N + 1), live_ids, archived) if lid != rid]
    check(not mismatched, f"live stanza-id differs from the archive result id (n, live, archive): {mismatched}")
    step(f"all {N} archived messages came back once, in order, with result ids equal to the live stanza-ids")


run(scenario)
