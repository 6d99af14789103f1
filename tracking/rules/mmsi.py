"""MMSI structure and flag state (ITU-R M.585-9, Annexes 1–2; MIDs from the ITU MID table).

Formats recognised (``M`` = a MID digit, ``X``/``Y`` = any digit):

* ``MMMXXXXXX`` ship station (first digit 2–7); ``8MMMXXXXX`` hand-held VHF with DSC and GNSS;
* ``0MMMXXXXX`` group of ship stations; ``00MMMXXXX`` coast station;
* ``111MMMXXX`` SAR aircraft;
* ``970XXYYYY`` AIS-SART, ``972XXYYYY`` MOB-AIS, ``974XXYYYY`` EPIRB-AIS (XX is a manufacturer id, not a MID);
* ``98MMMXXXX`` craft associated with a parent ship; ``99MMMXXXX`` aid to navigation.

Flag state comes from the MID. The MID-to-country table is the one packaged with pyais
(``pyais.constants.COUNTRY_MAPPING``); it lacks MID 550 (Timor-Leste) and 638 (South Sudan), which Seasight
adds itself (authored here, from the ITU MID table), and lists 740 as "UK", corrected here to ISO "GB".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pyais.constants import COUNTRY_MAPPING

#: Entries the packaged table lacks, authored by Seasight from the ITU MID table.
MID_SUPPLEMENT: dict[int, tuple[str, str]] = {550: ("TL", "Timor-Leste"), 638: ("SS", "South Sudan")}
#: Corrections to the packaged table: codes there that are not ISO 3166-1 alpha-2 (740 Falkland Islands is
#: listed as "UK"; the ISO code of the United Kingdom is GB).
MID_CORRECTIONS: dict[int, tuple[str, str]] = {740: ("GB", "United Kingdom (Falkland Islands)")}

#: MMSIs seen on badly configured transponders (factory defaults, placeholders): never a real station.
PLACEHOLDER_MMSIS = frozenset(
    {
        0,
        1,
        12345,
        123456,
        1234567,
        12345678,
        123456789,
        987654321,
        111111111,
        222222222,
        333333333,
        444444444,
        555555555,
        666666666,
        777777777,
        888888888,
        999999999,
        1193046,
    }
)


class StationKind(enum.StrEnum):
    SHIP = "ship"
    HANDHELD = "handheld"
    GROUP = "group"
    COAST = "coast"
    SAR_AIRCRAFT = "sar_aircraft"
    AIS_SART = "ais_sart"
    MOB = "mob"
    EPIRB = "epirb"
    CRAFT_OF_PARENT = "craft_of_parent_ship"
    AID_TO_NAVIGATION = "aid_to_navigation"
    INVALID = "invalid"


DISTRESS_DEVICES = frozenset({StationKind.AIS_SART, StationKind.MOB, StationKind.EPIRB})


@dataclass(frozen=True, slots=True)
class MmsiInfo:
    """What an MMSI says about its station: kind, MID, flag state (ISO alpha-2 and name) and, when invalid,
    why."""

    mmsi: int
    kind: StationKind
    mid: int | None
    flag_iso2: str | None
    flag_name: str | None
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.kind is not StationKind.INVALID


def country_of_mid(mid: int) -> tuple[str, str] | None:
    """(ISO alpha-2, name) of a Maritime Identification Digits code, ``None`` when not allocated."""
    return MID_CORRECTIONS.get(mid) or COUNTRY_MAPPING.get(mid) or MID_SUPPLEMENT.get(mid)


def classify_mmsi(mmsi: int) -> MmsiInfo:
    """Classify an MMSI by its ITU-R M.585-9 format and look up its flag state."""

    def invalid(problem: str, mid: int | None = None) -> MmsiInfo:
        return MmsiInfo(mmsi, StationKind.INVALID, mid, None, None, problem)

    if mmsi in PLACEHOLDER_MMSIS:
        return invalid("placeholder or factory-default MMSI")
    if not 0 < mmsi <= 999_999_999:
        return invalid("outside the 9-digit range")
    digits = f"{mmsi:09d}"
    if digits.startswith("970"):
        return MmsiInfo(mmsi, StationKind.AIS_SART, None, None, None)
    if digits.startswith("972"):
        return MmsiInfo(mmsi, StationKind.MOB, None, None, None)
    if digits.startswith("974"):
        return MmsiInfo(mmsi, StationKind.EPIRB, None, None, None)
    if digits.startswith("111"):
        kind, mid = StationKind.SAR_AIRCRAFT, int(digits[3:6])
    elif digits.startswith("98"):
        kind, mid = StationKind.CRAFT_OF_PARENT, int(digits[2:5])
    elif digits.startswith("99"):
        kind, mid = StationKind.AID_TO_NAVIGATION, int(digits[2:5])
    elif digits.startswith("00"):
        kind, mid = StationKind.COAST, int(digits[2:5])
    elif digits.startswith("0"):
        kind, mid = StationKind.GROUP, int(digits[1:4])
    elif digits.startswith("8"):
        kind, mid = StationKind.HANDHELD, int(digits[1:4])
    elif digits[0] in "234567":
        kind, mid = StationKind.SHIP, int(digits[0:3])
    else:
        return invalid(f"no ITU-R M.585 format starts with {digits[:3]}")
    country = country_of_mid(mid)
    if country is None:
        return invalid(f"MID {mid} is not allocated", mid)
    return MmsiInfo(mmsi, kind, mid, country[0], country[1])


def flag_state(mmsi: int) -> str | None:
    """ISO alpha-2 flag state from the MMSI's MID, ``None`` when the MMSI carries no (valid) MID."""
    return classify_mmsi(mmsi).flag_iso2
