"""Rewrites of the Outlook fixture pages (served with `Webmail.rewrite`): other languages, a new message.

The localised strings are Outlook's own where public sources show them and a plain translation
where none was found; extension/docs/webmail.md, "Outlook: languages", lists which is which and
where each comes from. Classes, ids and roles are left as they are: they do not depend on the
language, which is the point of the tests that use these pages.
"""
from __future__ import annotations

import re
from collections.abc import Callable

# Every user-visible English string of outlook/compose.html and outlook/sent.html, by language:
# labels, placeholders, titles, the reply header Outlook writes, dates and the reply prefix.
# User content (names, the message text) stays as written.
LABELS: dict[str, dict[str, str]] = {
    "de": {
        "Mail - Sam Tester - Outlook": "E-Mail – Sam Tester – Outlook",
        "Account manager for Sam Tester sam.tester@example.com": "Konto-Manager für Sam Tester sam.tester@example.com",
        "Mail": "E-Mail", "Calendar": "Kalender", "Ribbon": "Menüband", "Home": "Start", "View": "Ansicht",
        "New mail": "Neue E-Mail", "Navigation pane": "Navigationsbereich",
        "Inbox selected 1 unread": "Posteingang ausgewählt 1 ungelesen", "Inbox": "Posteingang",
        "Drafts 1 items": "Entwürfe 1 Elemente", "Drafts": "Entwürfe",
        "Sent Items selected": "Gesendete Elemente ausgewählt", "Sent Items": "Gesendete Elemente",
        "Message list": "Nachrichtenliste", "Mark as unread": "Als ungelesen markieren",
        "Select a message": "Nachricht auswählen", "Reading Pane": "Lesebereich",
        "From: Dana Reviewer": "Von: Dana Reviewer", "From: Sam Tester": "Von: Sam Tester",
        "To: Morgan Lead": "An: Morgan Lead", "To: ": "An: ", "Message body": "Nachrichtentext",
        "Send": "Senden", "Send (Ctrl+Enter)": "Senden (STRG+EINGABE)",
        "More send options": "Weitere Sendeoptionen", "Discard": "Verwerfen",
        "To": "An", "Cc": "Cc", "Bcc": "Bcc", "Add a subject": "Betreff hinzufügen",
        "Message body, press Alt+F10 to exit": "Nachrichtentext, drücken Sie ALT+F10, um den Vorgang zu beenden",
        "From:": "Von:", "Sent:": "Gesendet:", "To:": "An:", "Subject:": "Betreff:",
        "RE: Quarterly report": "AW: Quarterly report",
        "Monday, October 5, 2026 6:42 PM": "Montag, 5. Oktober 2026 18:42",
        "Mon 10/5/2026 6:42 PM": "Mo 05.10.2026 18:42", "Fri 10/2/2026 9:30 AM": "Fr 02.10.2026 09:30",
        "6:42 PM": "18:42", "7:12 PM": "19:12", "Fri 10/2": "Fr 02.10.", "12/26/2019": "26.12.2019",
    },
    "fr": {
        "Mail - Sam Tester - Outlook": "Courrier – Sam Tester – Outlook",
        "Account manager for Sam Tester sam.tester@example.com": "Gestionnaire de comptes pour Sam Tester sam.tester@example.com",
        "Mail": "Courrier", "Calendar": "Calendrier", "Ribbon": "Ruban", "Home": "Accueil", "View": "Affichage",
        "New mail": "Nouveau courrier", "Navigation pane": "Volet de navigation",
        "Inbox selected 1 unread": "Boîte de réception sélectionné 1 non lu", "Inbox": "Boîte de réception",
        "Drafts 1 items": "Brouillons 1 éléments", "Drafts": "Brouillons",
        "Sent Items selected": "Éléments envoyés sélectionné", "Sent Items": "Éléments envoyés",
        "Message list": "Liste de messages", "Mark as unread": "Marquer comme non lu",
        "Select a message": "Sélectionner un message", "Reading Pane": "Volet de lecture",
        "From: Dana Reviewer": "De : Dana Reviewer", "From: Sam Tester": "De : Sam Tester",
        "To: Morgan Lead": "À : Morgan Lead", "To: ": "À : ", "Message body": "Corps du message",
        "Send": "Envoyer", "Send (Ctrl+Enter)": "Envoyer (Ctrl+Entrée)",
        "More send options": "Autres options d’envoi", "Discard": "Ignorer",
        "To": "À", "Cc": "Cc", "Bcc": "Cci", "Add a subject": "Ajouter un objet",
        "Message body, press Alt+F10 to exit": "Corps du message, appuyez sur Alt+F10 pour quitter",
        "From:": "De :", "Sent:": "Envoyé :", "To:": "À :", "Subject:": "Objet :",
        "RE: Quarterly report": "RE : Quarterly report",
        "Monday, October 5, 2026 6:42 PM": "lundi 5 octobre 2026 18:42",
        "Mon 10/5/2026 6:42 PM": "lun. 05/10/2026 18:42", "Fri 10/2/2026 9:30 AM": "ven. 02/10/2026 09:30",
        "6:42 PM": "18:42", "7:12 PM": "19:12", "Fri 10/2": "ven. 02/10", "12/26/2019": "26/12/2019",
    },
    "es": {
        "Mail - Sam Tester - Outlook": "Correo – Sam Tester – Outlook",
        "Account manager for Sam Tester sam.tester@example.com": "Administrador de cuentas para Sam Tester sam.tester@example.com",
        "Mail": "Correo", "Calendar": "Calendario", "Ribbon": "Cinta de opciones", "Home": "Inicio",
        "View": "Vista", "New mail": "Nuevo correo", "Navigation pane": "Panel de navegación",
        "Inbox selected 1 unread": "Bandeja de entrada seleccionado 1 no leído", "Inbox": "Bandeja de entrada",
        "Drafts 1 items": "Borradores 1 elementos", "Drafts": "Borradores",
        "Sent Items selected": "Elementos enviados seleccionado", "Sent Items": "Elementos enviados",
        "Message list": "Lista de mensajes", "Mark as unread": "Marcar como no leído",
        "Select a message": "Seleccionar un mensaje", "Reading Pane": "Panel de lectura",
        "From: Dana Reviewer": "De: Dana Reviewer", "From: Sam Tester": "De: Sam Tester",
        "To: Morgan Lead": "Para: Morgan Lead", "To: ": "Para: ", "Message body": "Cuerpo del mensaje",
        "Send": "Enviar", "Send (Ctrl+Enter)": "Enviar (Ctrl+Entrar)",
        "More send options": "Más opciones de envío", "Discard": "Descartar",
        "To": "Para", "Cc": "CC", "Bcc": "CCO", "Add a subject": "Agregar un asunto",
        "Message body, press Alt+F10 to exit": "Cuerpo del mensaje, presione Alt+F10 para salir",
        "From:": "De:", "Sent:": "Enviado:", "To:": "Para:", "Subject:": "Asunto:",
        "RE: Quarterly report": "RE: Quarterly report",
        "Monday, October 5, 2026 6:42 PM": "lunes, octubre 5, 2026 6:42 p. m.",
        "Mon 10/5/2026 6:42 PM": "lun 05/10/2026 18:42", "Fri 10/2/2026 9:30 AM": "vie 02/10/2026 9:30",
        "6:42 PM": "18:42", "7:12 PM": "19:12", "Fri 10/2": "vie 02/10", "12/26/2019": "26/12/2019",
    },
    "ja": {
        "Mail - Sam Tester - Outlook": "メール - Sam Tester - Outlook",
        "Account manager for Sam Tester sam.tester@example.com": "Sam Tester sam.tester@example.com のアカウント マネージャー",
        "Mail": "メール", "Calendar": "予定表", "Ribbon": "リボン", "Home": "ホーム", "View": "表示",
        "New mail": "新規メール", "Navigation pane": "ナビゲーション ウィンドウ",
        "Inbox selected 1 unread": "受信トレイ 選択済み 未読 1", "Inbox": "受信トレイ",
        "Drafts 1 items": "下書き 1 アイテム", "Drafts": "下書き",
        "Sent Items selected": "送信済みアイテム 選択済み", "Sent Items": "送信済みアイテム",
        "Message list": "メッセージ一覧", "Mark as unread": "未読にする",
        "Select a message": "メッセージを選択", "Reading Pane": "閲覧ウィンドウ",
        "From: Dana Reviewer": "差出人: Dana Reviewer", "From: Sam Tester": "差出人: Sam Tester",
        "To: Morgan Lead": "宛先: Morgan Lead", "To: ": "宛先: ", "Message body": "メッセージ本文",
        "Send": "送信", "Send (Ctrl+Enter)": "送信 (Ctrl+Enter)",
        "More send options": "その他の送信オプション", "Discard": "破棄",
        "To": "宛先", "Cc": "CC", "Bcc": "BCC", "Add a subject": "件名を追加",
        "Message body, press Alt+F10 to exit": "メッセージ本文、終了するには Alt+F10 キーを押します",
        "From:": "差出人:", "Sent:": "送信日時:", "To:": "宛先:", "Subject:": "件名:",
        "RE: Quarterly report": "RE: Quarterly report",
        "Monday, October 5, 2026 6:42 PM": "2026年10月5日 18:42",
        "Mon 10/5/2026 6:42 PM": "2026/10/05 (月) 18:42", "Fri 10/2/2026 9:30 AM": "2026/10/02 (金) 9:30",
        "6:42 PM": "18:42", "7:12 PM": "19:12", "Fri 10/2": "10/02 (金)", "12/26/2019": "2019/12/26",
    },
}
LANGUAGES = tuple(LABELS)
# Labels a selector once read: none may be left on a localised page.
ENGLISH_LABELS = ("Add a subject", "Send", "Message body", "Message list", "Reading Pane")

# A whole attribute value or a whole text between tags.
_SLOT = r'(?P<before>="|>){}(?P<after>["<])'


def localize(language: str) -> Callable[[str], str]:
    """A rewrite that shows an Outlook fixture page in `language` ("de", "fr", "es" or "ja")."""
    labels = LABELS[language]

    def change(page: str) -> str:
        page = page.replace('<html lang="en">', f'<html lang="{language}">', 1)
        # Longest first, so that "Send (Ctrl+Enter)" is not taken for "Send".
        for english in sorted(labels, key=len, reverse=True):
            pattern = re.compile(_SLOT.format(re.escape(english)))
            page = pattern.sub(lambda m, local=labels[english]: m["before"] + local + m["after"], page)
        left = [label for label in ENGLISH_LABELS if re.search(_SLOT.format(re.escape(label)), page)]
        assert not left, f"English labels left on the {language} page: {left}"
        return page

    return change


def new_message(subject: str) -> Callable[[str], str]:
    """A rewrite of outlook/compose.html into a new message written while the list keeps a row selected.

    The reading pane holds only the compose, as when the user clicks New mail with a conversation
    selected: no conversation around it, no reply header and quoted message in its body.
    """

    def change(page: str) -> str:
        page = _once(page, '<div id="ConversationReadingPaneContainer">', "<div>")
        page = _once_re(page, r'\n *<div role="heading"[^\n]*_SUBJECT">[^\n]*')
        page = _once_re(page, r'\n *<div data-fixture="message">[^\n]*')
        # The reply header and quoted message end the editor's one line, before its two closing tags.
        page = _once_re(page, r'<div id="appendonsend"></div>.*(?=</div></div>$)', flags=re.M)
        return _once_re(page, r'(?<=data-fixture="subject" )(.*?value=")[^"]*', lambda m: m[1] + subject)

    return change


def _once(page: str, old: str, new: str) -> str:
    assert page.count(old) == 1, f"the fixture no longer has exactly one {old!r}"
    return page.replace(old, new)


def _once_re(page: str, pattern: str, new: str | Callable = "", flags: int = 0) -> str:
    page, n = re.subn(pattern, new, page, flags=flags)
    assert n == 1, f"the fixture no longer matches {pattern!r} exactly once"
    return page
