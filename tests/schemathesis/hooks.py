"""Schemathesis hooks for chiso's contract run: Excel workbooks sent as a request body
(`/api/plans/import`, `/api/register/import`) go as the bytes generated, so the server's own
checks of a workbook (size, container, sheets) are what answers."""

import json

import schemathesis

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@schemathesis.serializer(XLSX)
def xlsx_serializer(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()
