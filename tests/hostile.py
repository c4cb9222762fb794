"""Hostile files for the import tests: compression bombs, bad XML, mixed encodings...

Each builder returns the bytes of a file an attacker (or a careless export) could upload.
"""

from __future__ import annotations

import functools
import io
import zipfile

from openpyxl import Workbook


def xlsx(rows: list[list[object]]) -> bytes:
    """A well-formed workbook with ``rows`` in its first sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The same ZIP with member ``name`` replaced by ``content`` (deflated)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = content if info.filename == name else source.read(info)
            target.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(body: str, *, dimension: str = "A1", prologue: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prologue}<worksheet {_NS}>'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def xlsx_with_sheet(body: str, **kwargs: str) -> bytes:
    return replace_member(xlsx([["x"]]), SHEET, sheet_xml(body, **kwargs))


@functools.cache
def xlsx_bomb(megabytes: int = 24) -> bytes:
    """A small workbook whose sheet unzips to ``megabytes`` of (valid) repetitive XML."""
    row = '<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>'
    body = row * (megabytes * 2**20 // len(row))
    return replace_member(xlsx([["x"]]), SHEET, sheet_xml(body))


@functools.cache
def xlsx_entities() -> bytes:
    """A sheet declaring entities (a 'billion laughs' in miniature)."""
    prologue = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
    return replace_member(xlsx([["x"]]), SHEET, sheet_xml(body, prologue=prologue))


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The same ZIP whose central directory declares ``size`` unzipped bytes for ``name``
    (a liar: the data unzips to more)."""
    import struct

    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == name.encode():
            return data[: entry + 24] + struct.pack("<I", size) + data[entry + 28 :]
        entry = data.find(b"PK\x01\x02", entry + 4)
    raise ValueError(f"{name} is not in the archive")
