"""Email addresses as people type them, and what the portal makes of them.

One home for the email check that every import and form shares: an address is *valid*,
*suspicious* (it would be accepted, but looks like a slip: a known provider's domain
misspelt, accented letters before the @ that most mail servers refuse) or *invalid*; where
a slip is likely, a *suggestion* is offered for a person to accept. Nothing is corrected
without someone accepting it, and the raw text is always kept by the caller. Placeholders
such as "none", "n/a" or "-" are simply no address.

Before the check, the text is tidied of what is around an address rather than part of it:
invisible characters copied from web pages and chats (zero-width spaces, byte-order marks),
``mailto:``, angle brackets or quotes, the name of an Outlook-style ``Name <address>``, and
a trailing dot. The tidied address is the one to store (``AddressCheck.address``).

Validation is email-validator's (syntax only: the portal never looks domains up while
importing).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop
from email_validator import EmailNotValidError, validate_email

VALID = "valid"
SUSPICIOUS = "suspicious"
INVALID = "invalid"

# What people write where no address is known.
PLACEHOLDERS = frozenset(
    {
        "", "-", "--", "---", "?", "0", ".", "n/a", "na", "n.a.", "none", "nil", "null",
        "no", "no email", "noemail", "unknown", "not known", "missing", "x", "xx", "xxx",
        "ingen", "aucun", "aucune", "ninguno", "nenhum",
    }
)  # fmt: skip

# Mail providers common among former participants: a domain one or two keystrokes away
# from one of these is almost always a slip.
KNOWN_DOMAINS = (
    "gmail.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk", "hotmail.com", "hotmail.fr",
    "outlook.com", "live.com", "icloud.com", "aol.com", "protonmail.com", "mail.com",
    "gmx.com", "yandex.com", "ymail.com", "msn.com", "online.no", "norec.no", "fk.no",
)  # fmt: skip
_KNOWN = frozenset(KNOWN_DOMAINS)

# Reasons are stored untranslated and shown through gettext.
REASON_ACCENTS = gettext_noop("accented letters before the @, which most mail servers refuse")
REASON_DOMAIN = gettext_noop("the domain looks like a misspelt %(domain)s")
REASON_SPACES = gettext_noop("spaces inside the address")
REASON_NO_AT = gettext_noop("no @ in the address")
REASON_SYNTAX = gettext_noop("not an email address")
REASON_TOO_LONG = gettext_noop("longer than an address can be")

MAX_LENGTH = 254
_SEPARATORS = re.compile(r"[;,|\n\r\t]+|\s+/\s+|\s{2,}")
_AT_WORD = re.compile(r"\s*(?:\(at\)|\[at\]|\{at\}| at )\s*", re.IGNORECASE)
# Characters that show as nothing: an address holding one looks right and is refused.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# "Achieng Atieno <achieng@example.org>", as Outlook copies a recipient.
_NAMED_ADDRESS = re.compile(r"[^<>@]*<\s*([^<>\s]+@[^<>\s]+)\s*>")


@dataclass(frozen=True)
class AddressCheck:
    """What was written (``raw``), how it stands, the address to use when it is valid,
    and a likely correction with the reason when it is not."""

    raw: str
    status: str
    address: str = ""
    suggestion: str = ""
    reason: str = ""

    @property
    def usable(self) -> str:
        """The address to write to now: only a valid one."""
        return self.address if self.status == VALID else ""


def reason_text(reason: str, suggestion: str = "") -> str:
    """A stored reason (``REASON_*``) in the active language, its “%(domain)s” filled with
    the domain of the suggested correction."""
    if not reason:
        return ""
    text = gettext(reason)
    if "%(domain)s" in text:
        return text % {"domain": suggestion.rpartition("@")[2] or "?"}
    return text


def is_placeholder(text: str) -> bool:
    return text.strip().strip("<>\"'").casefold() in PLACEHOLDERS


def _syntax_ok(text: str) -> str | None:
    """The normalised address if ``text`` is a plain (ASCII) address, else None."""
    if len(text) > MAX_LENGTH:
        return None
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    # Domains are case-insensitive; the local part is kept as written but lower-cased
    # too, as every provider the portal writes to treats it so.
    return result.normalized.lower()


def _fold(text: str) -> str:
    """Latin letters without their accents (“lucía” → “lucia”); other scripts unchanged."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _known_domain_near(domain: str) -> str | None:
    if domain in _KNOWN:
        return None
    close = difflib.get_close_matches(domain, KNOWN_DOMAINS, n=1, cutoff=0.8)
    return close[0] if close else None


def _tidy(text: str) -> str:
    # A no-break space shows as a space: at either end it is trimmed like one, inside an
    # address it is a space the repair below names.
    text = text.translate(_INVISIBLE).replace("\u00a0", " ").strip()
    if named := _NAMED_ADDRESS.fullmatch(text):
        text = named.group(1)
    text = text.strip("<>\"'()[]").strip()
    if text.casefold().startswith("mailto:"):
        text = text[7:]
    return text.rstrip(".").strip()


def check_address(raw: str) -> AddressCheck | None:
    """The check of one address as written, or None when it is a placeholder."""
    text = _tidy(raw)
    if is_placeholder(text):
        return None
    if len(text) > MAX_LENGTH:
        return AddressCheck(raw=raw, status=INVALID, reason=REASON_TOO_LONG)
    address = _syntax_ok(text)
    if address:
        local, _, domain = address.rpartition("@")
        near = _known_domain_near(domain)
        if near:
            return AddressCheck(
                raw=raw, status=SUSPICIOUS, address=address,
                suggestion=f"{local}@{near}", reason=REASON_DOMAIN,
            )  # fmt: skip
        return AddressCheck(raw=raw, status=VALID, address=address)
    suggestion, reason = _repair(text)
    if suggestion and suggestion != text.lower():
        status = SUSPICIOUS if reason == REASON_ACCENTS else INVALID
        return AddressCheck(raw=raw, status=status, suggestion=suggestion, reason=reason)
    return AddressCheck(raw=raw, status=INVALID, reason=reason or REASON_SYNTAX)


def _repair(text: str) -> tuple[str, str]:
    """A likely correction of an address that does not validate, and why."""
    reason = ""
    candidate = _AT_WORD.sub("@", text)
    if re.search(r"\s", candidate):
        candidate = re.sub(r"\s+", "", candidate)
        reason = REASON_SPACES
    candidate = re.sub(r"@{2,}", "@", candidate).replace("..", ".")
    if "@" not in candidate:
        # "ananya.bandagmail.com": a known provider's domain written without the @.
        lowered = candidate.lower()
        for domain in sorted(KNOWN_DOMAINS, key=len, reverse=True):
            if lowered.endswith(domain) and len(lowered) > len(domain):
                candidate = f"{candidate[: -len(domain)].rstrip('.')}@{domain}"
                reason = REASON_NO_AT
                break
        else:
            return "", REASON_NO_AT
    local, _, domain = candidate.rpartition("@")
    folded_local = _fold(local)
    if folded_local != local and not reason:
        reason = REASON_ACCENTS
    candidate = f"{folded_local}@{_fold(domain)}"
    address = _syntax_ok(candidate)
    if not address:
        return "", reason or REASON_SYNTAX
    local, _, domain = address.rpartition("@")
    near = _known_domain_near(domain)
    if near:
        address = f"{local}@{near}"
    return address, reason or REASON_SYNTAX


def split_addresses(text: str) -> list[str]:
    """The addresses of a cell that may hold several ("a@x.org; b@y.org", "a@x.org / b@y.org",
    "a@x.org b@y.org"), each as written. A stray space inside one address ("ananya.banda
    @mail.org") does not split it in two."""
    pieces: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        words = part.split()
        # Several words, each with an @ of its own: several addresses. Otherwise one
        # address typed with spaces (or words around a single address).
        if len(words) > 1 and sum("@" in word for word in words) > 1:
            pieces.extend(words)
        else:
            pieces.append(part)
    return pieces


def check_addresses(text: str) -> list[AddressCheck]:
    """The check of each address in a cell, placeholders left out, each raw text once."""
    checks: list[AddressCheck] = []
    seen: set[str] = set()
    for piece in split_addresses(text):
        check = check_address(piece)
        if check is None:
            continue
        key = check.address or check.suggestion or check.raw
        if key not in seen:
            seen.add(key)
            checks.append(check)
    return checks
