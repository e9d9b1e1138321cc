"""A form profile's vocabularies are built once, not for every notice, and read as a fresh one would."""

from escalations.intake.notices.fields import EVERY_FIELD, NOTICE_FIELDS
from escalations.intake.notices.profile import field_vocabulary, reading_vocabulary

LABELS = {"subject.name": ["Kid's name"], "challenged.agency": ["Partner organisation", "Other side"]}


def test_one_vocabulary_per_profile_whichever_mapping_carries_it():
    assert reading_vocabulary(LABELS) is reading_vocabulary({path: tuple(words) for path, words in LABELS.items()})
    assert field_vocabulary(LABELS) is field_vocabulary(dict(LABELS))


def test_profiles_that_differ_get_their_own_vocabulary():
    other = {"subject.name": ["Kid's name"], "challenged.agency": ["Other side", "Partner organisation"]}
    assert reading_vocabulary(LABELS) is not reading_vocabulary(other)
    assert reading_vocabulary(LABELS) is not field_vocabulary(LABELS)


def test_the_kept_vocabulary_reads_as_one_built_afresh():
    for kept, fresh in (
        (reading_vocabulary(LABELS), EVERY_FIELD.extended(LABELS)),
        (field_vocabulary(LABELS), NOTICE_FIELDS.extended(LABELS)),
    ):
        assert kept.labels == fresh.labels
        for label in ("Kid's name", "Partner organisation", "Other side", "Name of child", "Agency you disagree with"):
            assert kept.match(label) == fresh.match(label)


def test_no_profile_labels_means_the_shared_vocabulary():
    assert reading_vocabulary(None) is EVERY_FIELD
    assert field_vocabulary({}) is NOTICE_FIELDS
