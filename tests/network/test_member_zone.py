"""The member's time zone: on the profile (proposed from the country, editable), and
activity times shown in the activity's zone and the member's own on pages, in emails and
reminders, saying when the date differs; the .ics stays in the activity's zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from network.models import Member
from network.services import activities
from network.services.members import Profile, update_profile
from norec_portal.models import OutboxEmail
from norec_portal.zones import country_zone
from tests.network.factories import make_activity, make_member, wall

pytestmark = pytest.mark.django_db


def test_a_zone_is_proposed_from_the_country():
    assert country_zone("NP") == "Asia/Kathmandu"
    assert country_zone("ke") == "Africa/Nairobi"
    assert country_zone("BR") == "America/Sao_Paulo"
    assert country_zone("") == country_zone("XX") == ""


def test_the_zone_follows_the_country_until_the_member_chooses_one():
    member = make_member(country="NP")
    assert member.time_zone == "" and member.zone_name == "Asia/Kathmandu"
    update_profile(member=member, profile=Profile(time_zone="Europe/Oslo"), by=None)
    member.refresh_from_db()
    assert member.zone_name == "Europe/Oslo"
    # A profile saved without the field leaves the choice alone.
    update_profile(member=member, profile=Profile(linkedin_url=""), by=None)
    member.refresh_from_db()
    assert member.time_zone == "Europe/Oslo"
    with pytest.raises(ValidationError) as error:
        update_profile(member=member, profile=Profile(time_zone="Mars/Olympus"), by=None)
    assert "time_zone" in error.value.message_dict


def test_the_profile_page_proposes_the_countrys_zone_and_saves_a_choice(client):
    member = make_member(email="np@example.org", country="NP")
    client.force_login(member.person.user)
    page = client.get(reverse("network:profile_edit")).content.decode()
    assert "The time of my country (Asia/Kathmandu)" in page
    response = client.post(reverse("network:profile_edit"), {"time_zone": "Asia/Dhaka"})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).time_zone == "Asia/Dhaka"
    bad = client.post(reverse("network:profile_edit"), {"time_zone": "Nowhere/Land"})
    assert bad.status_code == 200 and "Nowhere/Land" in bad.content.decode()
    home = client.get(reverse("network:member_home")).content.decode()
    assert "Asia/Dhaka" in home


def nairobi_evening():
    # 22:00–23:30 in Nairobi is 00:45–02:15 the next day in Kathmandu.
    return make_activity(
        starts=wall(2031, 3, 4, 22, 0), ends=wall(2031, 3, 4, 23, 30), time_zone="Africa/Nairobi"
    )


def test_pages_show_the_activity_time_and_the_members_own_with_the_other_date(client):
    activity = nairobi_evening()
    member = make_member(email="np@example.org", country="NP")
    client.force_login(member.person.user)
    for url in (reverse("network:activity", args=[activity.pk]), reverse("network:activities")):
        page = client.get(url).content.decode()
        assert "22:00–23:30" in page and "Africa/Nairobi" in page
        assert "Your time:" in page and "00:45–02:15" in page and "Asia/Kathmandu" in page
        assert "Wed 5 Mar 2031" in page and "another date where you are" in page


def test_no_second_time_when_the_members_clock_reads_the_same(client):
    activity = nairobi_evening()
    member = make_member(email="ug@example.org", country="UG")  # Kampala: same clock
    client.force_login(member.person.user)
    page = client.get(reverse("network:activity", args=[activity.pk])).content.decode()
    assert "22:00–23:30" in page and "Your time:" not in page


def test_emails_and_reminders_give_the_members_time_too():
    activity = nairobi_evening()
    member = make_member(email="np@example.org", country="NP")
    activities.rsvp(activity=activity, member=member)
    confirmation = OutboxEmail.objects.filter(to_email="np@example.org").latest("pk")
    for body in (confirmation.body_text, confirmation.body_html):
        assert "22:00–23:30" in body and "Your time:" in body and "00:45–02:15" in body
        assert "Wednesday 5 March 2031" in body and "another date where you are" in body
    sent = activities.send_activity_reminders(now=activity.starts_at - dt.timedelta(hours=3))
    assert sent == 1
    reminder = OutboxEmail.objects.filter(to_email="np@example.org").latest("pk")
    assert "reminder" in reminder.idempotency_key and "00:45–02:15" in reminder.body_text


def test_the_ics_stays_in_the_activitys_zone(client):
    activity = nairobi_evening()
    member = make_member(email="np@example.org", country="NP")
    client.force_login(member.person.user)
    ics = client.get(reverse("network:activity_ics", args=[activity.pk])).content
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (22, "Africa/Nairobi")


def test_the_announcement_gives_each_member_the_time_on_their_clock(settings):
    settings.NEWSLETTER_CHUNK_SIZE = 50
    nepal = make_member(email="np@example.org", country="NP", newsletter=True)
    kampala = make_member(email="ug@example.org", country="UG", newsletter=True)
    draft = make_activity(
        publish=False, starts=wall(2031, 3, 4, 22, 0), ends=wall(2031, 3, 4, 23, 30),
        time_zone="Africa/Nairobi",
    )  # fmt: skip
    announcement = activities.publish_activity(activity=draft, by=None)
    from network.services import newsletters

    newsletters.send_chunk(newsletter_id=announcement.pk, chunk=0)
    copies = OutboxEmail.objects.filter(idempotency_key__startswith="newsletter:")
    to_nepal = copies.get(to_email=nepal.person.email)
    for body in (to_nepal.body_text, to_nepal.body_html):
        assert "Your time:" in body and "00:45–02:15" in body and "Asia/Kathmandu" in body
    assert "Your time:" not in copies.get(to_email=kampala.person.email).body_text
