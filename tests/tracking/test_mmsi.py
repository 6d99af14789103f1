from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from tracking.rules.mmsi import StationKind, classify_mmsi, country_of_mid, flag_state


@pytest.mark.parametrize(
    ("mmsi", "iso2"),
    [
        (405123456, "BD"),
        (417000001, "LK"),
        (419000002, "IN"),
        (503123456, "AU"),
        (506000321, "MM"),
        (525012345, "ID"),
        (533004444, "MY"),
        (548100200, "PH"),
        (550123456, "TL"),
        (553000000, "PG"),
        (567001234, "TH"),
    ],
)
def test_flag_state_of_participating_states(mmsi: int, iso2: str) -> None:
    assert flag_state(mmsi) == iso2


@pytest.mark.parametrize(
    ("mmsi", "kind", "mid"),
    [
        (525012345, StationKind.SHIP, 525),
        (5251234, StationKind.COAST, 525),
        (52512345, StationKind.GROUP, 525),
        (111525123, StationKind.SAR_AIRCRAFT, 525),
        (970012345, StationKind.AIS_SART, None),
        (972012345, StationKind.MOB, None),
        (974012345, StationKind.EPIRB, None),
        (985251234, StationKind.CRAFT_OF_PARENT, 525),
        (995251234, StationKind.AID_TO_NAVIGATION, 525),
        (852512345, StationKind.HANDHELD, 525),
    ],
)
def test_itu_r_m585_formats(mmsi: int, kind: StationKind, mid: int | None) -> None:
    info = classify_mmsi(mmsi)
    assert info.kind is kind and info.mid == mid


@pytest.mark.parametrize("mmsi", [0, 123456789, 999999999, 1193046, 100000000, 199123456, 366123, 1_000_000_000])
def test_invalid_mmsis(mmsi: int) -> None:
    info = classify_mmsi(mmsi)
    assert not info.valid and info.problem
    assert info.flag_iso2 is None


def test_every_flag_code_is_iso_3166_alpha2() -> None:
    for mid in range(200, 800):
        country = country_of_mid(mid)
        if country is not None:
            assert pycountry.countries.get(alpha_2=country[0]) is not None, (mid, country)


def test_agrees_with_the_libais_mid_list(shared_data: Path) -> None:
    """Every MID in libais's list (ITU data, dated) is known to Seasight's table."""
    with (shared_data / "reference" / "mmsi_mid_country_libais.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 250
    unknown = [r["prefix"] for r in rows if country_of_mid(int(r["prefix"])) is None]
    assert unknown == []
    # spot check: the names agree for the participating states
    by_mid = {int(r["prefix"]): r["country"] for r in rows}
    for mid, word in ((405, "Bangladesh"), (506, "Myanmar"), (525, "Indonesia"), (567, "Thailand")):
        assert word in by_mid[mid] and country_of_mid(mid) is not None
