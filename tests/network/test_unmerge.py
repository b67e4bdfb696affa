"""A merge can be undone: both records and their links come back as they were."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from network.models import ContactChange, DuplicateCandidate, Invitation, MergeRecord
from network.services import duplicates, merges, waves
from partnerships.models import Participant, Person
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    a = make_alumnus_record("Mohammed", "Hassan", country="TZ", email="", year=1995)
    b = make_alumnus_record("Mohamed", "Hasan", country="TZ", email="mh@example.org", year=1996,
                            phone="+255712345678")  # fmt: skip
    c = make_alumnus_record("Mohamad", "Hassan", country="TZ", email="", year=1997)
    waves.invite_person(person=b, email=b.email, by=None, via="staff")
    duplicates.propose_pairs([(a, b, ["similar name"], 70), (b, c, ["similar name"], 60)])
    return a, b, c


def test_undoing_a_merge_restores_both_records_and_their_links(pair, staff):
    a, b, c = pair
    b_participations = set(Participant.objects.filter(person=b).values_list("pk", flat=True))
    candidate = DuplicateCandidate.objects.filter(person_a__in=[a, b], person_b__in=[a, b]).get()
    merges.merge_duplicate(candidate=candidate, keep=a, by=staff)
    a.refresh_from_db()
    assert a.email == "mh@example.org" and not Person.objects.filter(pk=b.pk).exists()
    assert Invitation.objects.get().person_id == a.pk

    record = MergeRecord.objects.get()
    restored = merges.undo_merge(record=record, by=staff)

    assert restored.pk == b.pk
    b_again = Person.objects.get(pk=b.pk)
    assert (b_again.first_name, b_again.email, b_again.phone) == (
        "Mohamed", "mh@example.org", "+255712345678",
    )  # fmt: skip
    a.refresh_from_db()
    assert (a.email, a.phone) == ("", "")
    assert set(Participant.objects.filter(person=b).values_list("pk", flat=True)) == (
        b_participations
    )
    assert Invitation.objects.get().person_id == b.pk
    # The pair is open again, and the other pair of the removed record points at it again.
    candidate.refresh_from_db()
    assert candidate.status == "open" and {candidate.person_a_id, candidate.person_b_id} == {
        a.pk, b.pk,
    }  # fmt: skip
    assert DuplicateCandidate.objects.filter(
        person_a_id=min(b.pk, c.pk), person_b_id=max(b.pk, c.pk), status="open"
    ).exists()
    assert ContactChange.objects.filter(person=a, field="merged record").count() == 2
    record.refresh_from_db()
    assert record.undone_by == staff
    with pytest.raises(ValidationError, match="already undone"):
        merges.undo_merge(record=record, by=staff)


def test_a_field_chosen_from_the_other_record_goes_back_on_undo(pair, staff):
    a, b, _c = pair
    candidate = DuplicateCandidate.objects.filter(person_a__in=[a, b], person_b__in=[a, b]).get()
    merges.merge_duplicate(candidate=candidate, keep=a, by=staff,
                               take_from_other=["last_name", "email"])  # fmt: skip
    a.refresh_from_db()
    assert (a.first_name, a.last_name, a.email, a.phone) == ("Mohammed", "Hasan",
                                                             "mh@example.org", "")  # fmt: skip
    merges.undo_merge(record=MergeRecord.objects.get(), by=staff)
    a.refresh_from_db()
    assert (a.last_name, a.email) == ("Hassan", "")


def test_an_edit_made_after_the_merge_is_not_undone(pair, staff):
    a, b, _c = pair
    candidate = DuplicateCandidate.objects.filter(person_a__in=[a, b], person_b__in=[a, b]).get()
    merges.merge_duplicate(candidate=candidate, keep=a, by=staff)
    Person.objects.filter(pk=a.pk).update(phone="+255700000000")
    merges.undo_merge(record=MergeRecord.objects.get(), by=staff)
    a.refresh_from_db()
    assert a.phone == "+255700000000"


def test_staff_undo_a_merge_from_the_merges_page_with_a_confirmation(pair, staff, staff_client):
    from django.urls import reverse

    a, b, _c = pair
    candidate = DuplicateCandidate.objects.filter(person_a__in=[a, b], person_b__in=[a, b]).get()
    merges.merge_duplicate(candidate=candidate, keep=a, by=staff)
    record = MergeRecord.objects.get()
    page = staff_client.get(reverse("network:staff_merges") + f"?person={a.pk}").content.decode()
    assert f"Record #{b.pk} (Mohamed Hasan) merged in" in page and "Undo this merge" in page
    url = reverse("network:staff_merge_undo", args=[record.pk])
    staff_client.post(url)  # no confirmation: nothing happens
    assert not Person.objects.filter(pk=b.pk).exists()
    response = staff_client.post(url, {"confirm": "on"})
    assert response["Location"] == reverse("network:staff_duplicate", args=[candidate.pk])
    assert Person.objects.filter(pk=b.pk).exists()
    audit = staff_client.get(reverse("audit_log") + "?action=merge").content.decode()
    assert reverse("network:staff_merges") + f"?person={a.pk}" in audit


def test_the_merge_screen_shows_both_values_and_keeps_the_ones_chosen(pair, staff_client):
    from django.urls import reverse

    a, b, _c = pair
    candidate = DuplicateCandidate.objects.filter(person_a__in=[a, b], person_b__in=[a, b]).get()
    url = reverse("network:staff_duplicate", args=[candidate.pk])
    page = staff_client.get(url).content.decode()
    # Both records' spellings side by side, as choices.
    assert "Mohammed" in page and "Mohamed" in page and "mh@example.org" in page
    side = "a" if candidate.person_a_id == a.pk else "b"
    other = "b" if side == "a" else "a"
    response = staff_client.post(url, {
        "decision": "merge", "keep": a.pk, "confirm": "on",
        "use_first_name": side, "use_last_name": other, "use_email": other,
        "use_phone": side, "use_country": side,
    })  # fmt: skip
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.first_name, a.last_name, a.email, a.phone) == ("Mohammed", "Hasan",
                                                             "mh@example.org", "")  # fmt: skip


def test_the_high_confidence_band_is_merged_in_bulk_after_a_look(staff, staff_client):
    from django.urls import reverse

    from network.services.duplicates import HIGH_CONFIDENCE

    twins = []
    for n in range(3):
        a = make_alumnus_record("Grace", f"Tembo{n}", country="ZM", email=f"g{n}@example.org",
                                year=2007)  # fmt: skip
        b = make_alumnus_record("Grace", f"Tembo{n}", country="ZM", email="", year=2007)
        twins.append((a, b))
    low = make_alumnus_record("Joseph", "Otieno", country="KE", email="", year=1998)
    low_twin = make_alumnus_record("Josef", "Otieno", country="KE", email="", year=2001)
    DuplicateCandidate.objects.bulk_create([
        DuplicateCandidate(person_a_id=min(a.pk, b.pk), person_b_id=max(a.pk, b.pk),
                           score=HIGH_CONFIDENCE + 5, label_a="a", label_b="b")
        for a, b in twins
    ] + [DuplicateCandidate(person_a_id=low.pk, person_b_id=low_twin.pk, score=70,
                            label_a="a", label_b="b")])  # fmt: skip
    url = reverse("network:staff_duplicates_high")
    page = staff_client.get(url)
    assert [pair.pk for pair, _evidence in page.context["pairs"]] == list(
        DuplicateCandidate.objects.filter(score__gte=HIGH_CONFIDENCE)
        .order_by("-score", "pk")
        .values_list("pk", flat=True)
    )
    ids = [str(pair.pk) for pair, _evidence in page.context["pairs"]]
    staff_client.post(url, {"pair": ids})  # not confirmed: nothing merged
    assert DuplicateCandidate.objects.filter(status="open").count() == 4
    staff_client.post(url, {"pair": ids, "confirm": "on"})
    assert DuplicateCandidate.objects.filter(status="merged").count() == 3
    # The record with the address stays; the pair below the band waits for a person.
    for a, b in twins:
        assert (
            Person.objects.filter(pk=a.pk).exists() and not Person.objects.filter(pk=b.pk).exists()
        )
    assert DuplicateCandidate.objects.get(person_a=low).status == "open"
    assert MergeRecord.objects.count() == 3
