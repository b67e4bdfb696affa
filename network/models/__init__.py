"""Norec Network's models, by sub-domain:

* ``members``: the profile vocabulary, member profiles and consent, contact changes;
* ``invitations``: invitation waves, invitations, signed access links, requests;
* ``records``: the historical import, addresses as written, the duplicate (merge) queue
  and the merges made from it;
* ``programme``: newsletters and deliveries, activities and RSVPs, bad addresses;
* ``versions``: newsletters and activities in French, Spanish and Portuguese;
* ``resources``: members asked to serve in training sessions, and their answers;
* ``links``: how often each link of a newsletter was followed (a count, no person).

Every name is re-exported here: ``from network.models import X`` is the way to reach them.
"""

from __future__ import annotations

from .invitations import (
    WAVE_TRANSITIONS,
    AccessToken,
    Invitation,
    InvitationQuerySet,
    InvitationRequest,
    InvitationWave,
)
from .links import NewsletterLink
from .members import (
    ConsentKind,
    ConsentRecord,
    ContactChange,
    ExpertiseTag,
    Language,
    Member,
    MemberQuerySet,
)
from .programme import (
    NEWSLETTER_TRANSITIONS,
    RSVP,
    Activity,
    Audience,
    BadAddress,
    Newsletter,
    NewsletterDelivery,
    NewsletterStatus,
)
from .records import (
    DuplicateCandidate,
    HistoricalImport,
    HistoricalRecord,
    MergeRecord,
    RawAddress,
    open_duplicate_exists,
)
from .resources import ResourceRequest, ResourceRole
from .versions import VERSION_CODES, VERSION_LANGUAGES, ActivityVersion, NewsletterVersion

__all__ = [
    "NEWSLETTER_TRANSITIONS", "RSVP", "AccessToken", "Activity", "Audience", "BadAddress",
    "ConsentKind", "ConsentRecord", "ContactChange", "DuplicateCandidate", "ExpertiseTag",
    "HistoricalImport", "HistoricalRecord", "Invitation", "InvitationQuerySet",
    "InvitationRequest", "InvitationWave", "Language", "Member", "MemberQuerySet", "MergeRecord",
    "Newsletter", "NewsletterDelivery", "NewsletterStatus", "WAVE_TRANSITIONS",
    "RawAddress", "open_duplicate_exists", "VERSION_CODES", "VERSION_LANGUAGES",
    "ActivityVersion", "NewsletterVersion", "ResourceRequest", "ResourceRole",
    "NewsletterLink",
]  # fmt: skip
