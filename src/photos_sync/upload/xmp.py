"""The XMP sidecar an upload carries: what Photos says of an asset, in the tags Immich reads.

Written from the XMP specification (Adobe, part 1: a packet of RDF/XML, one
``rdf:Description`` whose properties sit in their schemas' namespaces; language
alternatives as ``rdf:Alt`` with an ``x-default`` item; ordered arrays as ``rdf:Seq``,
unordered as ``rdf:Bag``) and from the tags Immich 3.1.0 reads back through exiftool
(``metadata.service.ts``): a description from ``ImageDescription``, else ``Description``;
the date from ``DateTimeOriginal``, its zone from the date's offset (a sidecar's date
replaces every date of the file, zone included); a place from ``GPSLatitude`` and
``GPSLongitude``; tags from ``TagsList`` before ``HierarchicalSubject`` and ``Keywords``;
named faces from the regions of the Metadata Working Group's guidelines (``mwg-rs:Regions``:
the image's dimensions, then a bag of regions, each a name, the type ``Face`` and an area
given by its centre and size as fractions of the image), which exiftool reads as
``RegionInfo``.

The XML is made by :mod:`xml.etree.ElementTree`, which escapes what markup needs; what XML
cannot carry at all (control characters) was dropped by the plan (``plan.metadata.xml_text``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from photos_sync.plan.metadata import FaceRegion, SidecarFields

NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
for _prefix, _uri in NAMESPACES.items():
    if _prefix != "xml":
        ET.register_namespace(_prefix, _uri)

# The packet wrapper of the XMP specification; its id is the fixed one the spec gives.
PACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_END = '\n<?xpacket end="w"?>\n'


def _name(qualified: str) -> str:
    prefix, local = qualified.split(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _language_alternative(parent: ET.Element, name: str, text: str) -> None:
    alternatives = ET.SubElement(ET.SubElement(parent, _name(name)), _name("rdf:Alt"))
    item = ET.SubElement(alternatives, _name("rdf:li"), {_name("xml:lang"): "x-default"})
    item.text = text


def _array(parent: ET.Element, name: str, kind: str, items: tuple[str, ...]) -> None:
    array = ET.SubElement(ET.SubElement(parent, _name(name)), _name(kind))
    for text in items:
        ET.SubElement(array, _name("rdf:li")).text = text


def gps_coordinate(value: float, positive: str, negative: str) -> str:
    """An XMP GPS coordinate: whole degrees, minutes with their decimals, the direction
    (``"41,24.50000000N"``); eight decimals of a minute are a millimetre."""
    direction = positive if value >= 0 else negative
    degrees, fraction = divmod(abs(value), 1.0)
    return f"{int(degrees)},{fraction * 60:.8f}{direction}"


def _regions(parent: ET.Element, faces: tuple[FaceRegion, ...], size: tuple[int, int]) -> None:
    """The faces as MWG regions: structures written as ``rdf:parseType="Resource"``
    elements, simple fields as attributes (both RDF forms the XMP specification allows)."""
    resource = {_name("rdf:parseType"): "Resource"}
    regions = ET.SubElement(parent, _name("mwg-rs:Regions"), resource)
    dimensions = {"stDim:w": str(size[0]), "stDim:h": str(size[1]), "stDim:unit": "pixel"}
    ET.SubElement(
        regions,
        _name("mwg-rs:AppliedToDimensions"),
        {_name(key): value for key, value in dimensions.items()},
    )
    bag = ET.SubElement(ET.SubElement(regions, _name("mwg-rs:RegionList")), _name("rdf:Bag"))
    for face in faces:
        region = ET.SubElement(ET.SubElement(bag, _name("rdf:li")), _name("rdf:Description"))
        ET.SubElement(region, _name("mwg-rs:Name")).text = face.name
        ET.SubElement(region, _name("mwg-rs:Type")).text = "Face"
        area = {"x": face.x, "y": face.y, "w": face.w, "h": face.h}
        ET.SubElement(
            region,
            _name("mwg-rs:Area"),
            {
                **{_name(f"stArea:{key}"): f"{value:.6f}" for key, value in area.items()},
                _name("stArea:unit"): "normalized",
            },
        )


def xmp_packet(fields: SidecarFields) -> bytes:
    """The sidecar for ``fields``, UTF-8, as one XMP packet."""
    root = ET.Element(_name("x:xmpmeta"))
    rdf = ET.SubElement(root, _name("rdf:RDF"))
    about = ET.SubElement(rdf, _name("rdf:Description"), {_name("rdf:about"): ""})
    if fields.description:
        # both: a file's own EXIF ImageDescription would win over a Description alone
        _language_alternative(about, "dc:description", fields.description)
        _language_alternative(about, "tiff:ImageDescription", fields.description)
    if fields.date:
        ET.SubElement(about, _name("exif:DateTimeOriginal")).text = fields.date
    if fields.location:
        latitude, longitude = fields.location
        ET.SubElement(about, _name("exif:GPSLatitude")).text = gps_coordinate(latitude, "N", "S")
        ET.SubElement(about, _name("exif:GPSLongitude")).text = gps_coordinate(longitude, "E", "W")
    if fields.tags:
        _array(about, "digiKam:TagsList", "rdf:Seq", fields.tags)
        _array(about, "dc:subject", "rdf:Bag", fields.tags)
    if fields.faces and fields.stored_size:
        _regions(about, fields.faces, fields.stored_size)
    # A carriage return in text would reach a reader as a line feed: written as a reference.
    body = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return (PACKET_BEGIN + body + PACKET_END).encode("utf-8")
