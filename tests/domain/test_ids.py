"""The ids the code relies on by name match the form files and the sync protocol."""

from __future__ import annotations

import typing
from pathlib import Path

from cse_desktop.domain.ids import ALL_KINDS, FormId, RecordKind
from cse_desktop.sync import protocol

FORMS = Path(__file__).resolve().parents[2] / "forms"


def test_every_form_id_is_a_form_folder_with_a_published_version() -> None:
    folders = {p.name for p in FORMS.iterdir() if p.is_dir()}
    assert {f.value for f in FormId} == folders
    for form in FormId:
        assert (FORMS / form / "v1.yaml").is_file(), form


def test_record_kinds_are_the_kinds_the_protocol_carries() -> None:
    assert {k.value for k in RecordKind} == set(typing.get_args(protocol.RecordKind))
    assert frozenset(RecordKind) == ALL_KINDS


def test_ids_compare_and_print_as_their_stored_text() -> None:
    assert FormId.SCREENING == "exploitation-screening"
    assert f"{RecordKind.EPISODE}" == "episode"
