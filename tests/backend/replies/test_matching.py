"""replies.matching: what a mailbox's message means for tracked mail, on plain data."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telltale.replies.mailbox import MailItem
from telltale.replies.matching import (
    Tracked,
    canonical_thread,
    find_replies,
    identify_sent,
    thread_refs,
)

SENT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ME = "ana@example.com"


def item(provider_id="m2", *, thread="18c2a7d3e5f00001", sender="bo@example.com", subject="Re: Q3 quote",
         at=SENT + timedelta(hours=1), outgoing=False, in_reply_to=(), references=(), message_id="<r@bo>",
         recipients=(ME,), headers=None) -> MailItem:
    return MailItem(provider_id, thread, message_id, tuple(in_reply_to), tuple(references), sender, tuple(recipients),
                    subject, at, outgoing, headers or {})


def tracked(message_id=1, *, thread_ref="gmail:18c2a7d3e5f00001", internet_id="<q3@ana>", sent_at=SENT,
            subject="Q3 quote", recipients=("bo@example.com",)) -> Tracked:
    return Tracked(message_id, subject, recipients, sent_at, thread_ref, internet_id)


def test_a_reply_in_the_thread_is_a_persons_reply_naming_its_recipient():
    [reply] = find_replies("google", ME, [item()], [tracked()])
    assert (reply.message_id, reply.source, reply.recipient, reply.sender) == (1, "person", 0, "bo@example.com")
    assert "the conversation" in reply.reason


def test_the_same_mailbox_message_always_gets_the_same_event_id():
    first = find_replies("google", ME, [item()], [tracked()])
    again = find_replies("google", ME, [item()], [tracked()])
    assert first[0].event_id == again[0].event_id and len(first[0].event_id) == 32


def test_in_reply_to_names_the_message_answered_among_several_in_a_thread():
    older, newer = tracked(1, internet_id="<a@ana>"), tracked(2, internet_id="<b@ana>", sent_at=SENT + timedelta(minutes=30))
    [reply] = find_replies("google", ME, [item(in_reply_to=["<a@ana>"])], [older, newer])
    assert reply.message_id == 1 and "In-Reply-To" in reply.reason


def test_without_in_reply_to_a_reply_answers_the_latest_tracked_message_before_it():
    older, newer = tracked(1, internet_id=None), tracked(2, internet_id=None, sent_at=SENT + timedelta(minutes=30))
    [reply] = find_replies("google", ME, [item()], [older, newer])
    assert reply.message_id == 2


def test_references_match_when_the_thread_is_unknown():
    message = tracked(thread_ref=None)
    [reply] = find_replies("microsoft", ME, [item(thread="conv-9", references=["<x@y>", "<q3@ana>"])], [message])
    assert reply.message_id == 1 and "References" in reply.reason


def test_a_message_with_the_same_subject_in_another_thread_is_not_a_reply():
    other = item(thread="18c2a7d3e5f0ffff", subject="Q3 quote", message_id="<z@bo>")
    assert find_replies("google", ME, [other], [tracked()]) == []


def test_gmail_decimal_thread_ids_from_a_new_compose_name_the_api_thread():
    hex_id = "18c2a7d3e5f00001"
    assert f"gmail:thread-f:{int(hex_id, 16)}" in thread_refs("google", [hex_id])
    assert canonical_thread("google", f"gmail:thread-f:{int(hex_id, 16)}") == hex_id
    # A draft's own thread id (thread-a:) names nothing the API knows.
    assert canonical_thread("google", "gmail:thread-a:r-7681922771531347793") is None
    [reply] = find_replies("google", ME, [item()], [tracked(thread_ref=f"gmail:thread-f:{int(hex_id, 16)}")])
    assert reply.message_id == 1


def test_automatic_replies_bounces_and_the_senders_own_messages_are_labelled():
    cases = {
        "auto": item("a1", headers={"auto-submitted": "auto-replied"}),
        "bounce": item("b1", sender="mailer-daemon@googlemail.com", subject="Delivery Status Notification (Failure)"),
        "sender": item("s1", sender=ME),
    }
    for source, mail in cases.items():
        [reply] = find_replies("google", ME, [mail], [tracked()])
        assert reply.source == source, (source, reply)
    [vacation] = find_replies("microsoft", ME, [item("o1", thread="c", subject="Automatic reply: Q3 quote")],
                              [tracked(thread_ref="outlook:c")])
    assert vacation.source == "auto"
    [x_autoreply] = find_replies("google", ME, [item("x1", headers={"x-autoreply": "yes"})], [tracked()])
    assert x_autoreply.source == "auto"
    [explicit_no] = find_replies("google", ME, [item("n1", headers={"auto-submitted": "no"})], [tracked()])
    assert explicit_no.source == "person"


def test_a_sent_message_is_recognised_by_subject_recipients_and_time_and_is_not_its_own_reply():
    message = tracked(thread_ref="gmail:thread-a:r-1", internet_id=None)
    sent_copy = item("s1", sender=ME, subject="Q3  quote", at=SENT + timedelta(seconds=20), outgoing=True,
                     recipients=("bo@example.com",), message_id="<q3@ana>")
    [seen] = identify_sent("google", [sent_copy], [message])
    assert (seen.message_id, seen.internet_message_id, seen.thread_ref) == (1, "<q3@ana>", "gmail:18c2a7d3e5f00001")
    assert find_replies("google", ME, [sent_copy], [message], [seen]) == []


def test_a_sent_message_far_from_the_registration_or_to_others_is_not_taken_for_it():
    message = tracked(internet_id=None)
    late = item("s1", sender=ME, subject="Q3 quote", at=SENT + timedelta(hours=2), outgoing=True,
                recipients=("bo@example.com",))
    elsewhere = item("s2", sender=ME, subject="Q3 quote", at=SENT, outgoing=True, recipients=("cy@example.com",))
    assert identify_sent("google", [late, elsewhere], [message]) == []
