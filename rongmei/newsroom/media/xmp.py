"""Removing coordinates from an XMP packet.

Cameras, phones and drones write the position in XMP as well as in EXIF: `exif:GPSLatitude`,
`Iptc4xmpExt:LocationCreated` (a structure that can hold coordinates) and, on the DJI
drones many county centers fly, `drone-dji:GpsLatitude`, `GpsLongitude` (also misspelt
`GpsLongtitude` by some firmware) and `AbsoluteAltitude`. Any property whose name speaks of
GPS, latitude, longitude or altitude goes, as attribute or as element.

Place *names* typed by an editor (`photoshop:City`, `Iptc4xmpCore:Location`) stay: they are
part of the dateline, not a machine-recorded position.

Regular expressions rather than an XML parser: the packet is rewritten in place, keeping its
namespaces and padding as written, and no parser is run on untrusted XML.
"""

from __future__ import annotations

import re

_LOCATION = rb"(?i:[\w.-]*(?:gps|latitude|longitude|longtitude|altitude)[\w.-]*)|LocationCreated|LocationShown"
_ORIENTATION = rb"Orientation"


def remove_location(packet: bytes, *, drop_orientation: bool = False) -> bytes:
    """The packet without location properties (and without `tiff:Orientation` when the
    pixels have been turned upright)."""
    names = _LOCATION + (rb"|" + _ORIENTATION if drop_orientation else b"")
    qualified = rb"(?!xmlns:)[\w.-]+:(?:" + names + rb")"
    packet = re.sub(rb"\s" + qualified + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*')", b"", packet)
    packet = re.sub(rb"<(" + qualified + rb")(?=[\s/>])[^>]*/>", b"", packet)
    packet = re.sub(rb"<(" + qualified + rb")(?=[\s>])[^>]*>.*?</\1\s*>", b"", packet, flags=re.S)
    return packet
