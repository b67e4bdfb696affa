"""English as the portal's readers write it (Norway, Africa, Asia): day before month and
a 24-hour clock, as elsewhere in the portal ("12 Jun 2026, 16:11"), not the United
States' "06/12/2026 4:11 p.m."."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
# Input formats and number separators: Django's for English (the next module looked at).
