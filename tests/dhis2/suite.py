"""DHIS2's own client libraries from PyPI, unchanged, against a real chiso.

A fresh `chiso demo` on a free port (the browser walks' Server), an account made with
`chiso user add` and an API token made with `chiso token create`, then:

- dhis2-client 0.3.x (synchronous): get_system_info, get_current_user, get_analytics_data,
  post_data_value_set, get_data_value_set, set_data_value, analytics_latest_period_for_level;
- dhis2w-client 1.33.x (asynchronous, Python >= 3.13): connect() with its version probe, the
  metadata lists, an analytics Grid, data_values.stream as JSON and as CSV,
  import_grouped_by_dataset, export with several periods.

Run it with `bash tests/dhis2/run.sh` (it makes the virtualenv under target/ with the pinned
clients); `python tests/dhis2/suite.py` in that virtualenv runs it alone.
"""
import asyncio
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "browser"))

from chiso_browser import BIN, Failure, Server, check  # noqa: E402

# A commune of the 2025 structure and its province; the yearly commune form.
PROVINCE = "2025-56"
COMMUNE = "2025-22759"
OTHER_COMMUNE = "2025-22738"
FORM = "BM_CDS_XA"


def make_token(server, username, name, *roles):
    """An account made as an administrator makes it, and a token acting as it."""
    server.add_user(username, name, *roles)
    out = subprocess.run(
        [BIN, "token", "create", username, "--name", "DHIS2 client suite", "--database", server.database],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"Authorization: ApiToken (\S+)", out)
    check(m is not None, f"no token in: {out}")
    return m.group(1)


# ---- dhis2-client ---------------------------------------------------------------------------


def dhis2_client(server, token):
    from dhis2_client import DHIS2Client
    from dhis2_client.errors import DHIS2HTTPError

    c = DHIS2Client(base_url=server.url, token=token, retries=0)

    info = c.get_system_info()
    check(info["version"].startswith("2.42"), f"system info version: {info}")
    check(info["calendar"] == "iso8601", f"calendar: {info}")
    check(re.match(r"\d{4}-\d\d-\d\dT", info["serverDate"]), f"server date: {info}")

    me = c.get_current_user()
    check(me["username"] == "he.thong.tinh", f"me: {me}")
    check([u["id"] for u in me["organisationUnits"]] == [PROVINCE, "58"], f"me's units: {me}")
    check("F_DATAVALUE_ADD" in me["authorities"], f"me's authorities: {me}")
    narrow = c.get_current_user(fields="id,organisationUnits[id]")
    check(set(narrow) == {"id", "organisationUnits"}, f"fields on /api/me: {narrow}")

    # Analytics: the share of documents handled online in Ninh Thuận, 2023, rounded as DHIS2
    # rounds it.
    g = c.get_analytics_data(dx=["VB_DT_TY_LE"], pe=["2023"], ou=["58"])
    check([h["name"] for h in g["headers"]] == ["dx", "pe", "ou", "value"], f"headers: {g['headers']}")
    check(len(g["rows"]) == 1, f"rows: {g['rows']}")
    value = g["rows"][0][3]
    check(re.fullmatch(r"\d+(\.\d{1,2})?", value), f"a rounded value: {value}")
    check(g["metaData"]["items"]["58"]["name"], f"metadata: {g['metaData']}")
    full = c.get_analytics_data(dx=["VB_DT_TY_LE"], pe=["2023"], ou=["58"], skipRounding=True)
    check(abs(float(full["rows"][0][3]) - float(value)) < 0.01, f"{full['rows']} vs {value}")
    check(len(full["rows"][0][3]) > len(value), f"skipRounding keeps every digit: {full['rows']}")

    # A commune's 2026 report pushed as a data value set.
    r = c.post_data_value_set(
        {
            "dataSet": FORM,
            "period": "2026",
            "orgUnit": COMMUNE,
            "dataValues": [
                {"dataElement": "VB_DEN", "categoryOptionCombo": "HllvX50cXC0", "value": "1520"},
                {"dataElement": "VB_XL_MANG", "value": "1498", "comment": "từ hệ thống QLVB"},
                {"dataElement": "CB_TONG", "value": 230, "storedBy": "qlvb", "followup": False},
                {"dataElement": "CB_KY_SO", "value": "211"},
            ],
        }
    )
    check(r["status"] == "OK" and r["httpStatusCode"] == 200, f"import: {r}")
    check(r["response"]["importCount"] == {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0}, f"{r}")

    s = c.get_data_value_set({"dataSet": FORM, "period": "2026", "orgUnit": COMMUNE})
    got = sorted((v["dataElement"], v["value"]) for v in s["dataValues"])
    check(got == [("CB_KY_SO", "211"), ("CB_TONG", "230"), ("VB_DEN", "1520"), ("VB_XL_MANG", "1498")], f"{got}")

    c.set_data_value("VB_DEN", "2026", COMMUNE, 1600, co="HllvX50cXC0")
    check(c.get_data_value("VB_DEN", "2026", COMMUNE, co="HllvX50cXC0") == ["1600"], "set_data_value")

    # A conflict is DHIS2's: 409, its error code, the value's position.
    try:
        c.post_data_value_set(
            {"dataValues": [
                {"dataElement": "VB_DEN", "period": "2026", "orgUnit": COMMUNE, "value": "7"},
                {"dataElement": "KHONG_CO", "period": "2026", "orgUnit": COMMUNE, "value": "1"},
            ]}
        )
        raise Failure("a data value set with an unknown element was taken")
    except DHIS2HTTPError as e:
        check(e.status_code == 409, f"{e.status_code}: {e.payload}")
        conflict = e.payload["response"]["conflicts"][0]
        check(conflict["errorCode"] == "E7610" and conflict["indexes"] == [1], f"{conflict}")
        check(conflict["object"] == "KHONG_CO", f"{conflict}")
    check(c.get_data_value("VB_DEN", "2026", COMMUNE, co="HllvX50cXC0") == ["1600"], "nothing written")

    # The latest period with values of an element at a level, and the one after it.
    latest = c.analytics_latest_period_for_level("CB_TONG", 2)
    check(latest["meta"]["periodType"] == "YEARLY", f"{latest}")
    check(latest["existing"]["id"] == "2026" and latest["next"]["id"] == "2027", f"{latest}")
    c.close()
    print("dhis2-client: system info, me, analytics, data value sets, data values, latest period: ok")


# ---- dhis2w-client --------------------------------------------------------------------------


async def dhis2w_client(server, token):
    from dhis2w_client import Dhis2ApiError, Dhis2Client, PatAuth
    from dhis2w_client.v42.aggregate import DataValue

    client = Dhis2Client(server.url, PatAuth(token=token))
    await client.connect()
    try:
        check(client.version_key == "v42", f"version key {client.version_key}")
        check(client.raw_version.startswith("2.42"), client.raw_version)
        info = await client.system.info()
        check(info.calendar == "iso8601", f"{info}")
        me = await client.system.me()
        check(me.username == "he.thong.tinh", f"{me}")
        check(await client.system.default_category_combo_uid() == "bjDvmb4bfuf", "default combo")

        # Metadata lists.
        elements = await client.data_elements.list_all(page_size=200)
        codes = {e.id for e in elements}
        check({"VB_DEN", "CB_TONG"} <= codes, f"data elements: {sorted(codes)}")
        vb = next(e for e in elements if e.id == "VB_DEN")
        check(vb.valueType.value == "INTEGER_ZERO_OR_POSITIVE" and vb.aggregationType.value == "SUM", f"{vb}")
        one = await client.data_elements.get("CB_TONG")
        check(one.code == "CB_TONG" and one.name, f"{one}")
        units = await client.organisation_units.list_all(level=1)
        check({u.id for u in units} == {"58", PROVINCE}, f"level 1: {[u.id for u in units]}")
        commune = await client.organisation_units.get(COMMUNE)
        check(commune.level == 2 and commune.parent.id == PROVINCE, f"{commune}")
        check(commune.path == f"/{PROVINCE}/{COMMUNE}", f"{commune.path}")
        sets = await client.data_sets.list_all()
        periods = {s.id: s.periodType for s in sets}
        check(periods.get(FORM) is not None and periods[FORM].value == "Yearly", f"{periods}")
        indicators = await client.indicators.list_all(page_size=100)
        check(any(i.id == "VB_DT_TY_LE" and i.numerator for i in indicators), "indicators")
        groups = await client.resources.organisation_unit_groups.list(fields="id,name,organisationUnits[id]")
        check(groups and all(g.id for g in groups), f"groups: {groups}")
        paged = await client.resources.data_elements.list_raw(fields="id", page=2, page_size=10)
        check(paged["pager"]["page"] == 2 and paged["pager"]["pageSize"] == 10, f"{paged['pager']}")
        check(len(paged["dataElements"]) == 10, "a page of 10")
        filtered = await client.resources.data_elements.list(fields="id", filters=["id:in:[VB_DEN,CB_TONG]"])
        check(sorted(e.id for e in filtered) == ["CB_TONG", "VB_DEN"], f"{filtered}")

        # Analytics as a typed Grid.
        grid = await client.analytics.aggregate(
            dx=["VB_DT_TY_LE", "VB_DEN"], pe="2023", ou=["58", "LEVEL-2"],
            extra_params={"displayProperty": "NAME"},
        )
        check([h.name for h in grid.headers] == ["dx", "pe", "ou", "value"], f"{grid.headers}")
        check(grid.height == len(grid.rows) and grid.height > 2, f"{grid.height}")
        check("VB_DT_TY_LE" in grid.metaData["items"], "metadata items")
        # An unknown item is DHIS2's 409 with its E71xx code.
        try:
            await client.analytics.aggregate(dx="KHONG_CO", pe="2023", ou="58")
            raise Failure("an unknown dx was answered")
        except Dhis2ApiError as e:
            check(e.status_code == 409 and e.body.get("errorCode", "").startswith("E71"), f"{e.status_code} {e.body}")

        # Streamed imports: JSON, then CSV by position with DHIS2's own header.
        body = (
            '{"dataSet": "%s", "period": "2026", "orgUnit": "%s", "dataValues": ['
            '{"dataElement": "CB_DINH_DANH", "value": "199"}]}' % (FORM, OTHER_COMMUNE)
        ).encode()
        env = await client.data_values.stream(body)
        check(env.status == "OK" and env.import_count().imported == 1, f"{env}")
        csv = (
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,timestamp,comment,followup\n"
            f"CB_TONG,2026,{OTHER_COMMUNE},HllvX50cXC0,HllvX50cXC0,250,qlvb,2026-12-01,,false\n"
            f"CB_KY_SO,2026,{OTHER_COMMUNE},,,240\n"
        ).encode()
        env = await client.data_values.stream(iter([csv[:40], csv[40:]]), content_type="application/csv")
        check(env.import_count().imported == 2, f"{env}")
        env = await client.data_values.stream(csv, content_type="application/csv", dry_run=True)
        check(env.import_count().ignored == 2 and env.import_count().updated == 0, f"unchanged: {env}")

        # Grouped by data set, as typed values.
        values = [
            DataValue(dataElement="HS_TTHC", period="2026", orgUnit=OTHER_COMMUNE, categoryOptionCombo="HllvX50cXC0", value="80"),
            DataValue(dataElement="HS_TRUC_TUYEN", period="2026", orgUnit=OTHER_COMMUNE, value="60", comment="cổng DVC"),
        ]
        answers = await client.data_values.import_grouped_by_dataset(values)
        counts = [a.import_count() for a in answers]
        check(sum(c.imported for c in counts) == 2, f"{answers}")

        # Export over several periods: the 2025 and 2026 reports at once.
        back = await client.data_values.export(data_set=FORM, period=["2025", "2026"], org_unit=OTHER_COMMUNE)
        got = {(v.dataElement, v.period) for v in back.dataValues}
        check({("CB_TONG", "2026"), ("HS_TTHC", "2026"), ("CB_DINH_DANH", "2026")} <= got, f"{sorted(got)}")
        since = await client.data_values.export(
            data_set=FORM, period=["2025", "2026"], org_unit=OTHER_COMMUNE, last_updated_duration="1h"
        )
        check({(v.dataElement, v.period) for v in since.dataValues} == {
            ("CB_DINH_DANH", "2026"), ("CB_TONG", "2026"), ("CB_KY_SO", "2026"),
            ("HS_TTHC", "2026"), ("HS_TRUC_TUYEN", "2026"),
        }, f"lastUpdatedDuration: {since.dataValues}")
    finally:
        await client.close()
    print("dhis2w-client: connect, metadata, analytics grid, streamed JSON and CSV, grouped import, export: ok")


def main():
    server = Server()
    failed = 0
    try:
        token = make_token(
            server, "he.thong.tinh", "Hệ thống của tỉnh", f"data_entry@{PROVINCE}", "viewer@58"
        )
        for name, run in [
            ("dhis2-client", lambda: dhis2_client(server, token)),
            ("dhis2w-client", lambda: asyncio.run(dhis2w_client(server, token))),
        ]:
            started = time.time()
            try:
                run()
            except Exception:  # noqa: BLE001 — every failure is reported, then the suite fails
                failed += 1
                print(f"FAILED: {name}")
                traceback.print_exc()
            print(f"  ({name}: {time.time() - started:.1f} s)")
    finally:
        if failed:
            print("".join(server.output[-40:]))
        server.stop()
    if failed:
        sys.exit(f"{failed} DHIS2 client check(s) failed")
    print("DHIS2 clients: all passed")


if __name__ == "__main__":
    main()
