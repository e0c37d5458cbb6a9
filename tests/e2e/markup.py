"""Compose markup the extension's selectors were not written for, as rewrites of the fixtures.

Each shape is a change a webmail could ship tomorrow: a Send in another language without the
classes we know, a redesign, a button of the app that looks like Send. A rewrite keeps the
fixtures' data-fixture marks, so the stand-in still sends exactly what the page shows when the
user's own action reaches it.

`expect` says what the extension must do with it:
- "untracked": the compose is refused at once: no switch, a notice, and every Send goes out
  untouched because the extension never cancels it;
- "restored": the compose looks trackable but the button the extension would click again does not
  send; the extension must notice the compose did not leave, take its tracking out and drop the
  registration, and the user's next Send goes out untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    client: str
    name: str
    expect: str
    change: Callable[[str], str]

    @property
    def fixture(self) -> str:
        return f"{self.client}/compose.html"

    def __str__(self) -> str:
        return f"{self.client}-{self.name}"


def _once(page: str, old: str, new: str) -> str:
    assert page.count(old) == 1, f"the fixture changed: {old!r} is not there exactly once"
    return page.replace(old, new)


OUTLOOK_SEND = (
    '<button data-fixture="send" type="button" class="fui-Button fui-SplitButton__primaryActionButton" '
    'id="splitButton-r3a__primaryActionButton" aria-label="Send" title="Send (Ctrl+Enter)">'
    '<span class="fui-Button__icon"><i class="fui-Icon-font" aria-hidden="true"></i></span>Send</button>'
)
OUTLOOK_NEW_MAIL = '<button type="button" aria-label="New mail">New mail</button>'
OUTLOOK_DISCARD = '<button type="button" id="discardCompose" aria-label="Discard" title="Discard">Discard</button>'


def outlook_localized_send_and_fluent_new_mail(page: str) -> str:
    """The case that lost mail: German Send without the Fluent classes, "New mail" as a split button."""
    page = _once(page, OUTLOOK_SEND, '<button data-fixture="send" type="button" aria-label="Senden" '
                                     'title="Senden (Strg+Eingabe)">Senden</button>')
    return _once(page, OUTLOOK_NEW_MAIL, (
        '<div class="fui-SplitButton"><button type="button" class="fui-Button fui-SplitButton__primaryActionButton" '
        'id="splitButton-r1__primaryActionButton" aria-label="Neue E-Mail">Neue E-Mail</button>'
        '<button type="button" class="fui-Button fui-SplitButton__menuButton" aria-haspopup="menu"></button></div>'
    ))


def outlook_send_as_div_beside_a_fluent_split_button(page: str) -> str:
    """Send redrawn as a div, while another split button in the compose keeps the Fluent classes."""
    page = _once(page, OUTLOOK_SEND, '<div data-fixture="send" role="button" tabindex="0" class="x9Send">Send</div>')
    return _once(page, OUTLOOK_DISCARD, (
        '<div class="fui-SplitButton"><button type="button" class="fui-Button fui-SplitButton__primaryActionButton" '
        'id="splitButton-r7__primaryActionButton">Insert</button></div>'
    ))


def outlook_two_editors_in_one_compose(page: str) -> str:
    """A second editable body inside the compose (an editor we do not know), with To still there."""
    return _once(page, '<div class="" id="editorParent_1">', (
        '<div id="editorParent_2"><div role="textbox" contenteditable="true" aria-label="Message body, '
        'press Alt+F10 to exit">Notes</div></div><div class="" id="editorParent_1">'
    ))


GMAIL_SEND_OPEN = '<div data-fixture="send" id=":79" class="T-I J-J5-Ji aoO v7 T-I-atl L3" role="button"'
GMAIL_OPTIONS_OPEN = '<div data-fixture="send-options" id=":75" class="T-I J-J5-Ji hG T-I-atl L3" role="button"'


def gmail_send_redesigned(page: str) -> str:
    """Send as a <button> with new classes: no Send candidate finds it, Send & Archive is still known."""
    return _once(page, GMAIL_SEND_OPEN, '<div data-fixture="send" id=":79" class="n3Send" role="link"')


def gmail_menu_arrow_without_haspopup(page: str) -> str:
    """The arrow beside Send lost aria-haspopup: two buttons now answer to Send's selectors."""
    page = _once(page, GMAIL_OPTIONS_OPEN, '<div id=":75" class="T-I J-J5-Ji hG T-I-atl L3" role="button"')
    return page.replace('aria-expanded="false" aria-haspopup="true"><div class="G-asx">',
                        'aria-expanded="false"><div class="G-asx">', 1)


def gmail_send_moved_and_a_dud_in_its_place(page: str) -> str:
    """What our selectors call Send no longer sends; the real Send is a new element elsewhere."""
    page = _once(page, GMAIL_SEND_OPEN, '<div id=":79" class="T-I J-J5-Ji aoO v7 T-I-atl L3" role="button"')
    page = page.replace('data-fixture="send" id=":76"', 'id=":76"', 1)
    return _once(page, '<input data-fixture="subject"',
                 '<span data-fixture="send" role="link" tabindex="0" class="k2Send">Send</span><input data-fixture="subject"')


SHAPES = [
    Shape("outlook", "localized-send-fluent-new-mail", "untracked", outlook_localized_send_and_fluent_new_mail),
    Shape("outlook", "two-editors", "untracked", outlook_two_editors_in_one_compose),
    Shape("outlook", "send-as-div-beside-split-button", "restored", outlook_send_as_div_beside_a_fluent_split_button),
    Shape("gmail", "send-redesigned", "untracked", gmail_send_redesigned),
    Shape("gmail", "arrow-without-haspopup", "untracked", gmail_menu_arrow_without_haspopup),
    Shape("gmail", "send-moved-dud-in-place", "restored", gmail_send_moved_and_a_dud_in_its_place),
]
