"""What the footer and the opt-out page say, in each language a sender can choose.

A dict rather than Babel: one page and one footer line, in three languages, a dozen strings each.
Babel (or Flask-Babel) would add catalogues to compile and a locale selector hooked into every
request, and the API needs the footer's words outside any page's request as well.
"""
from __future__ import annotations

from collections.abc import Mapping

DEFAULT_LANGUAGE = "en"
NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "sentence": "This message tells the sender when it is opened.",
        "link": "Don't track me",
        "explain": "{sender} uses Telltale, which tells them when their messages are opened and their links are "
                   "clicked. If you decline, it stops telling them for the messages they sent to your address, "
                   "including the ones you already have. They will see that you declined.",
        "why_button": "Nothing changes until you press the button: link checkers in mail systems open links, "
                      "but do not press buttons, so they cannot decline for you.",
        "address": "Your email address",
        "address_why": "This message was sent to several people: type the address you received it at.",
        "not_recipient": "This message was not sent to that address. Type the address you received it at.",
        "done_title": "You are not tracked",
        "done": "{sender} will no longer be told when you open their messages to this address or click their "
                "links. They see that you declined tracking.",
        "missing_title": "Link not valid",
        "missing": "This link is not valid. It may have been altered or copied incompletely.",
        "gone_title": "This message no longer exists",
        "gone": "The sender deleted it, so there is nothing to decline here. Nothing was recorded.",
        "language": "Language",
    },
    "es": {
        "sentence": "Este mensaje avisa al remitente cuando se abre.",
        "link": "No rastrearme",
        "explain": "{sender} usa Telltale, que le avisa cuando se abren sus mensajes y se pulsan sus enlaces. "
                   "Si lo rechaza, dejará de avisarle de los mensajes que envió a su dirección, también de los "
                   "que ya tiene. Verá que usted lo ha rechazado.",
        "why_button": "Nada cambia hasta que pulse el botón: los comprobadores de enlaces de los sistemas de correo "
                      "abren los enlaces, pero no pulsan botones, así que no pueden rechazarlo por usted.",
        "address": "Su dirección de correo",
        "address_why": "Este mensaje se envió a varias personas: escriba la dirección en la que lo recibió.",
        "not_recipient": "Este mensaje no se envió a esa dirección. Escriba la dirección en la que lo recibió.",
        "done_title": "Ya no se le rastrea",
        "done": "{sender} ya no sabrá cuándo abre sus mensajes a esta dirección ni cuándo pulsa sus enlaces. "
                "Verá que usted ha rechazado el seguimiento.",
        "missing_title": "Enlace no válido",
        "missing": "Este enlace no es válido. Puede que se haya alterado o copiado incompleto.",
        "gone_title": "Este mensaje ya no existe",
        "gone": "El remitente lo ha borrado, así que no hay nada que rechazar. No se ha guardado nada.",
        "language": "Idioma",
    },
    "de": {
        "sentence": "Diese Nachricht teilt dem Absender mit, wann sie geöffnet wird.",
        "link": "Nicht verfolgen",
        "explain": "{sender} nutzt Telltale und erfährt damit, wann Nachrichten geöffnet und Links angeklickt "
                   "werden. Wenn Sie ablehnen, erfährt {sender} das nicht mehr für die Nachrichten an Ihre "
                   "Adresse, auch nicht für die, die Sie schon haben. {sender} sieht, dass Sie abgelehnt haben.",
        "why_button": "Erst der Knopf ändert etwas: Link-Prüfer von Mailsystemen öffnen Links, drücken aber keine "
                      "Knöpfe, und können deshalb nicht für Sie ablehnen.",
        "address": "Ihre E-Mail-Adresse",
        "address_why": "Diese Nachricht ging an mehrere Personen: Geben Sie die Adresse ein, an der Sie sie "
                       "erhalten haben.",
        "not_recipient": "Diese Nachricht ging nicht an diese Adresse. Geben Sie die Adresse ein, an der Sie sie "
                         "erhalten haben.",
        "done_title": "Sie werden nicht verfolgt",
        "done": "{sender} erfährt nicht mehr, wann Sie Nachrichten an diese Adresse öffnen oder Links anklicken. "
                "{sender} sieht, dass Sie die Verfolgung abgelehnt haben.",
        "missing_title": "Ungültiger Link",
        "missing": "Dieser Link ist ungültig. Vielleicht wurde er verändert oder unvollständig kopiert.",
        "gone_title": "Diese Nachricht gibt es nicht mehr",
        "gone": "Der Absender hat sie gelöscht; es gibt nichts abzulehnen. Es wurde nichts gespeichert.",
        "language": "Sprache",
    },
}


def language(*choices: str | None) -> str:
    """The first of `choices` that is a language we have, else English."""
    return next((choice for choice in choices if choice in WORDS), DEFAULT_LANGUAGE)


def footer_words(language_code: str, own_sentence: str | None) -> tuple[str, str]:
    """The footer's sentence (the sender's own, if they wrote one) and its link's text."""
    words = WORDS[language(language_code)]
    return (own_sentence or "").strip() or words["sentence"], words["link"]
