"""The authored and packaged reference layers parse into sound records (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import Point

from geodata.errors import LayerError
from geodata.reference import (
    parse_participants,
    parse_ports,
    parse_srr,
    parse_zones,
    read_layer_file,
    read_searoute_ports,
)


def _doc(name: str, filename: str) -> dict[str, Any]:
    doc = json.loads(read_layer_file(name, filename).content)
    assert isinstance(doc, dict), f"{name}/{filename} is not a JSON object"
    return doc


def test_participants_match_the_bali_process_lists() -> None:
    people = {p.code: p for p in parse_participants(_doc("participants", "participants.json"))}
    members = [p for p in people.values() if "member" in p.groups]
    assert len(members) == 47  # 44 states and territories + IOM, UNHCR, UNODC
    assert people["MMR"].iso2 == "MM" and "origin" in people["MMR"].roles
    assert people["TUR"].name == "Turkey" and people["KOR"].name == "Republic of Korea"
    assert people["HKG"].kind == "territory" and people["NCL"].name == "France (New Caledonia)"
    assert {"steering_group", "steering_group_co_chair", "ad_hoc_group", "jakarta_declaration"} <= set(
        people["AUS"].groups
    )
    assert set(people["BGD"].groups) >= {"disembarkation_mapping", "jakarta_declaration", "ad_hoc_group"}
    assert people["UNHCR"].kind == "organisation" and people["UNHCR"].iso2 is None
    assert people["DEU"].kind == "observer" and people["DEU"].groups == ("observer",)
    jakarta = {p.code for p in people.values() if "jakarta_declaration" in p.groups}
    assert len(jakarta) == 13


def test_participant_with_unknown_country_name_is_rejected() -> None:
    doc = {"members": [{"name": "Atlantis", "kind": "state"}], "groups": {}}
    with pytest.raises(LayerError, match="Atlantis"):
        parse_participants(doc)


def test_srr_layer_is_indicative_with_rcc_fields_and_no_overlaps() -> None:
    srrs = parse_srr(_doc("srr", "srr.geojson"))
    ids = {s.id for s in srrs}
    assert {"AUS", "IDN", "MYS", "THA", "MMR", "BGD", "IND", "LKA", "PHL", "PNG", "TLS", "SGP", "VNM"} <= ids
    assert all(s.indicative and "approximation" in s.source for s in srrs)
    assert all(s.rcc_name and len(s.rcc_country) == 3 for s in srrs)
    for a in srrs:
        for b in srrs:
            if a.id < b.id:
                assert a.geom.intersection(b.geom).area < 1e-9, (a.id, b.id)
    by_id = {s.id: s for s in srrs}
    assert by_id["BGD"].geom.contains(Point(91.85, 21.2))  # off Cox's Bazar
    assert by_id["NZL"].geom.bounds[0] == -180.0  # split at the antimeridian


def test_srr_feature_missing_rcc_is_rejected() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "X1", "name": "x"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    with pytest.raises(LayerError, match="rcc_name, rcc_country"):
        parse_srr(doc)


def test_zones_each_have_a_reason_and_circles_are_drawn() -> None:
    zones = parse_zones(_doc("zones", "zones.geojson"))
    assert {z.kind for z in zones} == {"departure_coast", "transit_corridor", "destination_approach"}
    assert all(len(z.reason) > 30 for z in zones)
    names = {z.name: z for z in zones}
    assert names["Christmas Island approaches"].geom.contains(Point(105.63, -10.49))
    assert names["Aceh coast"].geom.is_valid


def test_ports_are_locode_keyed_and_filtered_to_countries() -> None:
    layer = read_searoute_ports()
    ports = parse_ports(json.loads(layer.content), frozenset({"ID", "BD", "TL"}), layer.source)
    assert {p.country_iso2 for p in ports} == {"ID", "BD"}  # the packaged file has no Timor-Leste port
    assert len({p.locode for p in ports}) == len(ports) > 100
    assert all(p.locode[:2] == p.country_iso2 and len(p.locode) == 5 for p in ports)


# Each SRR must hold its own state's ports and capitals (a sanity check of the authored boundaries).
_PLACES = {
    "Jakarta": (-6.1, 106.8, "IDN"),
    "Banda Aceh": (5.55, 95.32, "IDN"),
    "Kupang": (-10.17, 123.6, "IDN"),
    "Jayapura": (-2.53, 140.7, "IDN"),
    "Pontianak": (-0.03, 109.33, "IDN"),
    "Kuala Lumpur": (3.14, 101.69, "MYS"),
    "Penang": (5.41, 100.33, "MYS"),
    "Kuching": (1.55, 110.35, "MYS"),
    "Kota Kinabalu": (5.98, 116.07, "MYS"),
    "Langkawi": (6.35, 99.8, "MYS"),
    "Bangkok": (13.75, 100.5, "THA"),
    "Phuket": (7.88, 98.39, "THA"),
    "Satun": (6.62, 100.07, "THA"),
    "Ranong": (9.96, 98.63, "THA"),
    "Yangon": (16.8, 96.15, "MMR"),
    "Sittwe": (20.15, 92.9, "MMR"),
    "Kawthaung": (9.98, 98.55, "MMR"),
    "Dhaka": (23.8, 90.4, "BGD"),
    "Cox's Bazar": (21.43, 92.0, "BGD"),
    "Chattogram": (22.33, 91.8, "BGD"),
    "Chennai": (13.08, 80.27, "IND"),
    "Kolkata": (22.57, 88.36, "IND"),
    "Port Blair": (11.62, 92.73, "IND"),
    "Car Nicobar": (9.15, 92.8, "IND"),
    "Colombo": (6.93, 79.85, "LKA"),
    "Trincomalee": (8.57, 81.23, "LKA"),
    "Jaffna": (9.66, 80.0, "LKA"),
    "Manila": (14.6, 120.98, "PHL"),
    "Davao": (7.07, 125.6, "PHL"),
    "Zamboanga": (6.9, 122.07, "PHL"),
    "Port Moresby": (-9.44, 147.18, "PNG"),
    "Rabaul": (-4.2, 152.17, "PNG"),
    "Dili": (-8.55, 125.57, "TLS"),
    "Singapore": (1.29, 103.85, "SGP"),
    "Ho Chi Minh City": (10.8, 106.7, "VNM"),
    "Da Nang": (16.05, 108.2, "VNM"),
    "Darwin": (-12.46, 130.84, "AUS"),
    "Broome": (-17.95, 122.23, "AUS"),
    "Christmas Island": (-10.45, 105.69, "AUS"),
    "Ashmore Reef": (-12.25, 123.0, "AUS"),
    "Thursday Island": (-10.58, 142.22, "AUS"),
}


@pytest.mark.parametrize("place", sorted(_PLACES))
def test_places_fall_in_their_own_srr(place: str) -> None:
    lat, lon, expected = _PLACES[place]
    srrs = parse_srr(_doc("srr", "srr.geojson"))
    assert [s.id for s in srrs if s.geom.covers(Point(lon, lat))] == [expected]
