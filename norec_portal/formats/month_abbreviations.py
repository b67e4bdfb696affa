"""Django's month abbreviations (``django.utils.dates.MONTHS_3``, the "M" date format),
marked here so that ``makemessages`` keeps them in the catalogues.

Django's own French has "jui" for both June and July; ``locale/fr`` gives the locale's own
(CLDR: juin, juil., août). Nothing imports this module; the other languages keep Django's.
"""

from django.utils.translation import gettext_noop

MONTHS_3 = [
    # Translators: Django's abbreviation of a month, shown as "1 Jun 2026".
    gettext_noop("jan"),
    gettext_noop("feb"),
    gettext_noop("mar"),
    gettext_noop("apr"),
    gettext_noop("may"),
    gettext_noop("jun"),
    gettext_noop("jul"),
    gettext_noop("aug"),
    gettext_noop("sep"),
    gettext_noop("oct"),
    gettext_noop("nov"),
    gettext_noop("dec"),
]
