#!/usr/bin/env python3
"""Self-check of the emulator's write history, point-in-time and incremental exports, PITR
window and write faults (write_history.py; run by: tests/emulator/local-aws selfcheck).

Three private emulators:

- "incremental" (restorable lag 0.3 s, shortest window 0.5 s, 1-second exports, real
  layout, at most 3 exports at once, a stats file): two writer threads make a busy mix
  of PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems,
  ExecuteStatement, BatchExecuteStatement and ExecuteTransaction writes while a full
  export starts; two contiguous incremental
  windows follow it; the full export with both increments applied (code below) must equal
  the table, record for record, with OldImage = the item before each window, NEW_IMAGE
  exports without OldImage, failed conditional writes and a cancelled transaction absent,
  a key created and deleted in one window absent, and a write exactly at a window boundary
  in the later window only. Manifests, data folder, DescribeExport, ListExports, the
  PITR window (reset by turning PITR off and on), every refusal, the export quota and
  stats (incremental exports count like full ones), and the items of a restored and of an
  imported table (exported from their own history) are checked.
- "faults" twice with the same seed (unprocessed share 0.5, throttle share 0.3, only the
  table "faulty"): BatchWriteItem hands back unwritten requests, write calls answer
  ProvisionedThroughputExceededException (AWS's __type) and write nothing, the other
  table is untouched, the stats file counts both, and the second run sees the same faults.

Exits non-zero on any failed check.
"""

import base64
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import selfcheck as base  # noqa: E402  (emulator start/stop, items, comparison, check())

check = base.check
SOURCE = "123456789012"
TABLE = "inc-orders"
BUCKET = "ferry-incremental"
LAG_S = 0.3
MIN_WINDOW_S = 0.5
EXPORT_DELAY_S = 1.0
DATA_FILES = 3
KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTR_DEFS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]


# --------------------------------------------------------------------------- helpers
def error_of(fn) -> tuple:
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"]
    return None, 200, ""


def from_export(av: dict) -> dict:
    """An attribute value of an export line (binaries as base64) in boto3's form (bytes)."""
    (typ, val), = av.items()
    if typ == "B":
        return {"B": base64.b64decode(val)}
    if typ == "BS":
        return {"BS": [base64.b64decode(v) for v in val]}
    if typ == "M":
        return {"M": {k: from_export(v) for k, v in val.items()}}
    if typ == "L":
        return {"L": [from_export(v) for v in val]}
    return {typ: val}


def item_from_export(image: dict) -> dict:
    return {k: from_export(v) for k, v in image.items()}


def key_of(item: dict) -> tuple:
    return base.item_key(item)


def us(dt: datetime) -> int:
    return (dt - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def at_us(t: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=t)


class Road:
    def __init__(self, exports: dict):
        src, dst = base.sessions(exports)
        self.session = src
        self.ddb = src.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))
        self.s3 = src.client("s3", config=Config(s3={"addressing_style": "path"}))
        self.s3.create_bucket(Bucket=BUCKET)

    def body(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def describe(self, arn: str) -> dict:
        return self.ddb.describe_export(ExportArn=arn)["ExportDescription"]

    def finished(self, arn: str, what: str) -> dict:
        d = base.wait_for(lambda: (lambda x: x if x["ExportStatus"] != "IN_PROGRESS" else None)(self.describe(arn)),
                          what, timeout=30)
        check(d["ExportStatus"] == "COMPLETED", f"[incremental] {what} COMPLETED ({d['ExportStatus']} {d.get('FailureMessage')})")
        return d

    def window(self, table_arn: str, prefix: str, frm: datetime, to: datetime | None = None,
               view: str | None = None) -> dict:
        spec = {"ExportFromTime": frm}
        if to is not None:
            spec["ExportToTime"] = to
        if view is not None:
            spec["ExportViewType"] = view
        return self.ddb.export_table_to_point_in_time(
            TableArn=table_arn, S3Bucket=BUCKET, S3Prefix=prefix, ExportType="INCREMENTAL_EXPORT",
            IncrementalExportSpecification=spec)["ExportDescription"]

    def pitr(self, table: str) -> dict:
        return self.ddb.describe_continuous_backups(TableName=table)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]

    def wait_restorable(self, table: str, t: datetime) -> None:
        base.wait_for(lambda: self.pitr(table)["LatestRestorableDateTime"] >= t or None, "restorable", timeout=30)

    def lines(self, description: dict, label: str) -> list[dict]:
        """The export's lines, read through its manifests (checked on the way)."""
        summary_key = description["ExportManifest"]
        folder = summary_key.rsplit("/", 1)[0]
        summary_raw = self.body(summary_key)
        files_raw = self.body(f"{folder}/manifest-files.json")
        for name, raw in (("manifest-summary", summary_raw), ("manifest-files", files_raw)):
            check(self.body(f"{folder}/{name}.md5") == base64.b64encode(hashlib.md5(raw).digest()),
                  f"[incremental] {label}: {name}.md5")
        summary = json.loads(summary_raw)
        entries = [json.loads(ln) for ln in files_raw.decode().splitlines() if ln.strip()]
        out = []
        for e in entries:
            gz = self.body(e["dataFileS3Key"])
            check(e["md5Checksum"] == base64.b64encode(hashlib.md5(gz).digest()).decode()
                  and e["etag"] == hashlib.md5(gz).hexdigest(), f"[incremental] {label}: md5Checksum and etag")
            got = [json.loads(ln) for ln in gzip.decompress(gz).decode().splitlines() if ln.strip()]
            check(len(got) == e["itemCount"], f"[incremental] {label}: itemCount of {e['dataFileS3Key']}")
            out.extend(got)
        check(len(entries) == DATA_FILES and summary["itemCount"] == len(out) == description["ItemCount"],
              f"[incremental] {label}: {len(entries)} data files, itemCount {summary['itemCount']} / "
              f"{len(out)} lines / ItemCount {description['ItemCount']}")
        self.last_summary, self.last_entries, self.last_folder = summary, entries, folder
        return out


# --------------------------------------------------------------------------- writer
class Writer(threading.Thread):
    """A busy mix of every kind of write on 40 keys, until stopped."""

    OPS = ("put", "update", "delete", "batch", "transaction", "partiql", "partiql_batch", "partiql_transaction")

    def __init__(self, ddb, seed: int):
        super().__init__(daemon=True)
        self.ddb, self.rnd = ddb, random.Random(seed)
        self.stop = threading.Event()
        self.done = {op: 0 for op in self.OPS}
        self.errors: list[str] = []

    def key(self) -> dict:
        i = self.rnd.randrange(40)
        return {"pk": {"S": f"busy#{i % 8}"}, "sk": {"N": str(i)}}

    def keys(self, n: int) -> list[dict]:
        seen, out = set(), []
        while len(out) < n:
            k = self.key()
            if k["sk"]["N"] not in seen:
                seen.add(k["sk"]["N"])
                out.append(k)
        return out

    def item(self, key: dict) -> dict:
        n = self.rnd.randrange(10**6)
        return dict(key, v={"N": str(n)}, b={"B": n.to_bytes(4, "big")}, tag={"S": f"é{n}"},
                    m={"M": {"l": {"L": [{"N": str(n)}, {"BS": [b"\x00", bytes([n % 256])]}]}}})

    def one(self, op: str) -> None:
        d, t = self.ddb, TABLE
        if op == "put":
            d.put_item(TableName=t, Item=self.item(self.key()))
        elif op == "update":
            d.update_item(TableName=t, Key=self.key(), UpdateExpression="SET c = if_not_exists(c, :z) + :one, tag = :s",
                          ExpressionAttributeValues={":z": {"N": "0"}, ":one": {"N": "1"}, ":s": {"S": "upd"}})
        elif op == "delete":
            d.delete_item(TableName=t, Key=self.key())
        elif op == "batch":
            ks = self.keys(6)
            reqs = [{"PutRequest": {"Item": self.item(k)}} for k in ks[:4]] + [{"DeleteRequest": {"Key": k}} for k in ks[4:]]
            d.batch_write_item(RequestItems={t: reqs})
        elif op == "transaction":
            a, b, c = self.keys(3)
            d.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": self.item(a)}},
                {"Update": {"TableName": t, "Key": b, "UpdateExpression": "SET tx = :v",
                            "ExpressionAttributeValues": {":v": {"S": "tx"}}}},
                {"Delete": {"TableName": t, "Key": c}}])
        elif op == "partiql":
            k = self.key()
            if self.rnd.random() < 0.5:
                # moto's PartiQL reads neither a DELETE with ? parameters nor one by a number
                # key (HTTP 500), nor an INSERT with parameters: an INSERT of literal values.
                d.execute_statement(Statement=f'INSERT INTO "{t}" VALUE {{\'pk\': \'{k["pk"]["S"]}\', '
                                              f'\'sk\': {k["sk"]["N"]}, \'pq\': \'insert\'}}')
            else:
                d.execute_statement(Statement=f'UPDATE "{t}" SET pq = ? WHERE pk = ? AND sk = ?',
                                    Parameters=[{"S": "partiql"}, k["pk"], k["sk"]])
        elif op == "partiql_batch":
            a, b = self.keys(2)
            d.batch_execute_statement(Statements=[
                {"Statement": f'UPDATE "{t}" SET pq = ? WHERE pk = ? AND sk = ?', "Parameters": [{"S": "batch"}, a["pk"], a["sk"]]},
                # moto's BatchExecuteStatement cannot parse a DELETE with ? parameters or a bare
                # number (HTTP 500): two UPDATEs.
                {"Statement": f'UPDATE "{t}" SET pq = ? WHERE pk = ? AND sk = ?', "Parameters": [{"S": "batch2"}, b["pk"], b["sk"]]}])
        elif op == "partiql_transaction":
            a, = self.keys(1)
            d.execute_transaction(TransactStatements=[
                {"Statement": f'UPDATE "{t}" SET pq = ? WHERE pk = ? AND sk = ?', "Parameters": [{"S": "ptx"}, a["pk"], a["sk"]]}])

    def run(self) -> None:
        # Every kind of write in turn (on random keys), until stopped and each kind has
        # succeeded a few times, however slow the machine.
        turn = 0
        while not (self.stop.is_set() and min(self.done.values()) >= 3):
            op = self.OPS[turn % len(self.OPS)]
            turn += 1
            try:
                self.one(op)
                self.done[op] += 1
            except ClientError as e:
                # An UPDATE or DELETE statement of a missing key is refused; nothing else is expected.
                code = e.response["Error"]["Code"]
                if not (op.startswith("partiql") and code in ("ConditionalCheckFailedException", "TransactionCanceledException")):
                    self.errors.append(f"{op}: {code} {e.response['Error']['Message']}")
            time.sleep(0.002)


# --------------------------------------------------------------------------- scenario
def apply(state: dict, records: list[dict]) -> None:
    for r in records:
        key = key_of(item_from_export(r["Keys"]))
        if "NewImage" in r:
            state[key] = item_from_export(r["NewImage"])
        else:
            state.pop(key, None)


def incremental_scenario(exports: dict, stats_path: str) -> None:
    road = Road(exports)
    ddb = road.ddb
    ddb.create_table(TableName=TABLE, KeySchema=KEY_SCHEMA, AttributeDefinitions=ATTR_DEFS, BillingMode="PAY_PER_REQUEST")
    table_arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]

    # ---- refusals with PITR off
    for label, call in (
            ("full export", lambda: ddb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET, S3Prefix="x")),
            ("incremental export", lambda: road.window(table_arn, "x", datetime.now(timezone.utc) - timedelta(seconds=5)))):
        code = error_of(call)[0]
        check(code == "PointInTimeRecoveryUnavailableException", f"[incremental] {label} with PITR off: {code}")

    # ---- the PITR window: turning PITR off and on again moves its start
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    first_on = road.pitr(TABLE)["EarliestRestorableDateTime"]
    time.sleep(0.2)
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    before = datetime.now(timezone.utc)
    pitr = road.pitr(TABLE)
    earliest = pitr["EarliestRestorableDateTime"]
    check(earliest > first_on, f"[incremental] PITR off and on: the window starts again ({first_on} -> {earliest})")
    check(pitr["LatestRestorableDateTime"] >= earliest, "[incremental] latest restorable never before earliest")
    time.sleep(LAG_S + 0.3)
    pitr = road.pitr(TABLE)
    lag = (datetime.now(timezone.utc) - pitr["LatestRestorableDateTime"]).total_seconds()
    check(LAG_S - 0.05 <= lag <= LAG_S + 0.5, f"[incremental] LatestRestorableDateTime trails now by the lag ({lag:.3f}s)")
    check(earliest <= before, "[incremental] EarliestRestorableDateTime is when PITR was turned on")

    date = ddb.list_tables()["ResponseMetadata"]["HTTPHeaders"].get("date")
    skew = abs((parsedate_to_datetime(date) - datetime.now(timezone.utc)).total_seconds()) if date else None
    check(skew is not None and skew < 5, f"[incremental] answers carry a Date header ({date!r})")

    seed = base.awkward_items(40)
    for i in range(0, len(seed), 20):
        ddb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": it}} for it in seed[i:i + 20]]})

    # ---- two busy writers while the full export starts
    writers = [Writer(road.session.client("dynamodb", config=Config(retries={"total_max_attempts": 1})), seed=seed)
               for seed in (11, 12)]
    for writer in writers:
        writer.start()
    time.sleep(0.4)
    full = ddb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET, S3Prefix="full")["ExportDescription"]
    t0 = full["ExportTime"]
    check(full["ExportStatus"] == "IN_PROGRESS" and full["ExportType"] == "FULL_EXPORT",
          "[incremental] the full export starts IN_PROGRESS")
    time.sleep(1.0)
    t1 = t0 + timedelta(seconds=0.8)
    time.sleep(0.8)
    for writer in writers:
        writer.stop.set()
    for writer in writers:
        writer.join()
        check(not writer.errors, f"[incremental] writer: unexpected errors {writer.errors[:3]}")
        check(all(n > 0 for n in writer.done.values()), f"[incremental] every kind of write was made: {writer.done}")

    # Writes that fail must leave no trace.
    never = {"pk": {"S": "never"}, "sk": {"N": "1"}}
    check(error_of(lambda: ddb.put_item(TableName=TABLE, Item=dict(never, v={"N": "1"}),
                                        ConditionExpression="attribute_exists(pk)"))[0]
          == "ConditionalCheckFailedException", "[incremental] a failing conditional put is refused")
    check(error_of(lambda: ddb.update_item(TableName=TABLE, Key=never, UpdateExpression="SET v = :v",
                                           ConditionExpression="attribute_exists(pk)",
                                           ExpressionAttributeValues={":v": {"N": "2"}}))[0]
          == "ConditionalCheckFailedException", "[incremental] a failing conditional update is refused")
    check(error_of(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "never-tx"}, "sk": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": never, "ConditionExpression": "attribute_exists(pk)"}}]))[0]
        == "TransactionCanceledException", "[incremental] a cancelled transaction is refused")
    # Created and deleted inside the second window: AWS exports nothing for it.
    flash = {"pk": {"S": "flash"}, "sk": {"N": "1"}}
    ddb.put_item(TableName=TABLE, Item=flash)
    ddb.delete_item(TableName=TABLE, Key=flash)
    expected_table = {key_of(i): i for i in base.scan_all(ddb, TABLE)}
    end_of_writes = datetime.now(timezone.utc)
    road.wait_restorable(TABLE, end_of_writes)

    inc1 = road.window(table_arn, "inc", t0, t1)
    inc2 = road.window(table_arn, "inc", t1)
    inc2_new = road.window(table_arn, "inc-new", t1, inc2["IncrementalExportSpecification"]["ExportToTime"],
                           view="NEW_IMAGE")
    # The job quota (FERRY_EMU_EXPORT_LIMIT=3) counts incremental exports like full ones.
    code = error_of(lambda: road.window(table_arn, "inc-over", t1))[0]
    check(code == "LimitExceededException", f"[incremental] a 4th export while 3 run: LimitExceededException ({code})")
    time.sleep(0.3)
    d = road.describe(inc1["ExportArn"])
    check(d["ExportStatus"] == "IN_PROGRESS" and not ({"ItemCount", "BilledSizeBytes", "EndTime", "ExportManifest"} & set(d)),
          "[incremental] an incremental export is IN_PROGRESS without counts during the delay")
    listed = {e["ExportArn"]: e for e in ddb.list_exports(TableArn=table_arn)["ExportSummaries"]}
    check(listed.get(inc1["ExportArn"], {}).get("ExportType") == "INCREMENTAL_EXPORT"
          and listed.get(full["ExportArn"], {}).get("ExportType") == "FULL_EXPORT",
          "[incremental] ListExports lists both kinds with their ExportType")

    dfull = road.finished(full["ExportArn"], "full export")
    d1 = road.finished(inc1["ExportArn"], "first window")
    d2 = road.finished(inc2["ExportArn"], "second window")
    d2n = road.finished(inc2_new["ExportArn"], "second window, NEW_IMAGE")
    check(dfull["ExportTime"] == t0 and (dfull["EndTime"] - dfull["StartTime"]).total_seconds() >= EXPORT_DELAY_S - 0.1,
          "[incremental] the full export keeps its ExportTime and took the delay")
    spec1 = d1.get("IncrementalExportSpecification", {})
    check(d1["ExportType"] == "INCREMENTAL_EXPORT" and spec1.get("ExportFromTime") == t0
          and spec1.get("ExportToTime") == t1 and spec1.get("ExportViewType") == "NEW_AND_OLD_IMAGES"
          and d1["ExportTime"] == t1 and "BilledSizeBytes" in d1 and "EndTime" in d1,
          f"[incremental] DescribeExport of a window: {spec1}")
    t2 = d2["IncrementalExportSpecification"]["ExportToTime"]
    check(t2 >= end_of_writes - timedelta(milliseconds=1), "[incremental] no ExportToTime: the latest restorable time")

    full_lines = road.lines(dfull, "full export")
    full_summary = road.last_summary
    check(full_summary.get("exportTime") == t0.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t0.microsecond // 1000:03d}Z"
          and full_summary.get("version") == "2020-06-30", "[incremental] full manifest exportTime = ExportTime")
    r1 = road.lines(d1, "first window")
    s1, files1 = road.last_summary, road.last_entries
    check(all(e["dataFileS3Key"].startswith("inc/AWSDynamoDB/data/") for e in files1)
          and road.last_folder.startswith("inc/AWSDynamoDB/") and d1["ExportManifest"].endswith("/manifest-summary.json"),
          "[incremental] manifests in <prefix>/AWSDynamoDB/<ExportId>/, data in <prefix>/AWSDynamoDB/data/")
    want = {"version": "2023-08-01", "exportType": "INCREMENTAL_EXPORT", "outputView": "NEW_AND_OLD_IMAGES",
            "outputFormat": "DYNAMODB_JSON", "tableArn": table_arn, "s3Bucket": BUCKET, "s3Prefix": "inc",
            "itemCount": len(r1), "billedSizeBytes": d1["BilledSizeBytes"],
            "manifestFilesS3Key": f"{road.last_folder}/manifest-files.json"}
    bad = {k: s1.get(k) for k, v in want.items() if s1.get(k) != v}
    check(not bad and "exportTime" not in s1 and s1.get("exportFromTime", "").endswith("Z")
          and s1.get("exportToTime", "").endswith("Z"), f"[incremental] incremental manifest-summary fields: {bad}")
    r2 = road.lines(d2, "second window")
    r2n = road.lines(d2n, "second window, NEW_IMAGE")
    started = [o["Key"] for o in road.s3.list_objects_v2(Bucket=BUCKET, Prefix="inc/").get("Contents", [])
               if o["Key"].endswith("/_started")]
    check(len(started) == 2, f"[incremental] one _started per incremental export ({len(started)})")

    # Each record's time lies in its window; records are compacted per key.
    for label, records, lo, hi in (("first", r1, t0, t1), ("second", r2, t1, t2)):
        times = [int(r["Metadata"]["WriteTimestampMicros"]["N"]) for r in records]
        check(all(us(lo) <= t < us(hi) for t in times), f"[incremental] {label} window: every WriteTimestampMicros inside it")
        keys = [key_of(item_from_export(r["Keys"])) for r in records]
        check(len(keys) == len(set(keys)), f"[incremental] {label} window: one record per key")
        check(all(set(r["Keys"]) == {"pk", "sk"} and set(r) <= {"Metadata", "Keys", "NewImage", "OldImage"}
                  for r in records), f"[incremental] {label} window: record shape")
    check(bool(r1) and bool(r2), f"[incremental] both windows have changes ({len(r1)}, {len(r2)})")
    check(any("NewImage" not in r for r in r1 + r2) and any("OldImage" not in r and "NewImage" in r for r in r1 + r2)
          and any("OldImage" in r and "NewImage" in r for r in r1 + r2),
          "[incremental] inserts, updates and deletes all appear")
    all_keys = {key_of(item_from_export(r["Keys"])) for r in r1 + r2}
    check(not ({("never", 1), ("never-tx", 1), ("flash", 1)} & {(k[0], int(k[1])) for k in all_keys}),
          "[incremental] failed writes and a key created and deleted in one window are absent")

    # The full export with both windows applied is the table; OldImage is the item before the window.
    state = {key_of(item_from_export(line["Item"])): item_from_export(line["Item"]) for line in full_lines}
    for label, records in (("first", r1), ("second", r2)):
        wrong = 0
        for r in records:
            key = key_of(item_from_export(r["Keys"]))
            before_window = state.get(key)
            old = item_from_export(r["OldImage"]) if "OldImage" in r else None
            if (before_window is None) != (old is None) or (old is not None and base.compare([before_window], [old])):
                wrong += 1
        check(wrong == 0, f"[incremental] {label} window: {wrong} OldImages differ from the item before the window")
        apply(state, records)
    diffs = base.compare(list(expected_table.values()), list(state.values()))
    check(diffs == 0, f"[incremental] full export + two windows = the table ({diffs} differences, "
                      f"{len(full_lines)} items, {len(r1)} + {len(r2)} records)")
    check({json.dumps(r["Keys"], sort_keys=True): r.get("NewImage") for r in r2n}
          == {json.dumps(r["Keys"], sort_keys=True): r.get("NewImage") for r in r2}
          and not any("OldImage" in r for r in r2n), "[incremental] NEW_IMAGE: the same records without OldImage")

    # ---- a write exactly at a window boundary is in the later window only
    edge = {"pk": {"S": "edge"}, "sk": {"N": "1"}}
    start = datetime.now(timezone.utc)
    time.sleep(0.05)
    ddb.put_item(TableName=TABLE, Item=dict(edge, v={"S": "at the boundary"}))
    time.sleep(0.05)
    road.wait_restorable(TABLE, start + timedelta(seconds=1.5))
    probe = road.finished(road.window(table_arn, "probe", start, start + timedelta(seconds=1.5))["ExportArn"], "probe")
    edge_records = [r for r in road.lines(probe, "probe") if r["Keys"]["pk"]["S"] == "edge"]
    check(len(edge_records) == 1, "[incremental] the boundary write is found")
    w = int(edge_records[0]["Metadata"]["WriteTimestampMicros"]["N"])
    before_edge = road.window(table_arn, "edge-a", at_us(w) - timedelta(seconds=0.6), at_us(w))
    after_edge = road.window(table_arn, "edge-b", at_us(w), at_us(w) + timedelta(seconds=0.6))
    a = road.lines(road.finished(before_edge["ExportArn"], "window ending at the write"), "edge-a")
    b = road.lines(road.finished(after_edge["ExportArn"], "window starting at the write"), "edge-b")
    check(not any(r["Keys"]["pk"]["S"] == "edge" for r in a)
          and [r["Keys"]["pk"]["S"] for r in b].count("edge") == 1,
          f"[incremental] the write at {w} µs is in [{w}, …) only, not in […, {w})")

    # ---- refusals
    n_before = len(ddb.list_exports(TableArn=table_arn)["ExportSummaries"])
    now = datetime.now(timezone.utc)
    latest = road.pitr(TABLE)["LatestRestorableDateTime"]
    for label, call, want_code in (
            ("ExportFromTime before PITR was turned on",
             lambda: road.window(table_arn, "r", earliest - timedelta(seconds=5), earliest + timedelta(seconds=1)),
             "InvalidExportTimeException"),
            ("ExportToTime after the latest restorable time",
             lambda: road.window(table_arn, "r", latest - timedelta(seconds=1), now + timedelta(seconds=60)),
             "InvalidExportTimeException"),
            ("ExportFromTime after ExportToTime",
             lambda: road.window(table_arn, "r", latest - timedelta(seconds=1), latest - timedelta(seconds=2)),
             "ValidationException"),
            ("a window shorter than the shortest",
             lambda: road.window(table_arn, "r", latest - timedelta(seconds=0.2), latest), "ValidationException"),
            ("a window longer than 24 hours",
             lambda: road.window(table_arn, "r", latest - timedelta(hours=25), latest), "ValidationException"),
            ("an unknown ExportViewType",
             lambda: road.window(table_arn, "r", latest - timedelta(seconds=1), latest, view="OLD_IMAGE"),
             "ValidationException"),
            ("a full export's ExportTime before PITR was turned on",
             lambda: ddb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET, S3Prefix="r",
                                                       ExportTime=earliest - timedelta(seconds=5)),
             "InvalidExportTimeException"),
            ("a full export's ExportTime after the latest restorable time",
             lambda: ddb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET, S3Prefix="r",
                                                       ExportTime=now + timedelta(seconds=60)),
             "InvalidExportTimeException")):
        code, status, message = error_of(call)
        check(code == want_code and status == 400, f"[incremental] {label}: {want_code} (got {code} {status} {message!r})")
    n_after = len(ddb.list_exports(TableArn=table_arn)["ExportSummaries"])
    check(n_after == n_before and not road.s3.list_objects_v2(Bucket=BUCKET, Prefix="r/").get("Contents"),
          f"[incremental] refusals start nothing ({n_before} exports before, {n_after} after)")

    # ---- a full export at a given ExportTime: the table as it was then
    mid = t1
    at_mid = road.finished(ddb.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=BUCKET, S3Prefix="at-t1", ExportTime=mid)["ExportDescription"]["ExportArn"],
        "full export at t1")
    state = {key_of(item_from_export(line["Item"])): item_from_export(line["Item"]) for line in full_lines}
    apply(state, r1)
    mid_items = [item_from_export(line["Item"]) for line in road.lines(at_mid, "full export at t1")]
    check(at_mid["ExportTime"] == mid and base.compare(list(state.values()), mid_items) == 0,
          "[incremental] a full export at ExportTime t1 = the full export at t0 + the first window")
    with open(stats_path, encoding="utf-8") as f:
        stats = json.load(f)
    check(stats["peak_running"].get(SOURCE, {}).get("exports") == 3
          and stats["refused_limit"].get(SOURCE, {}).get("exports") == 1 and "write_faults" not in stats,
          f"[incremental] stats: peak 3 exports, 1 refused, no write_faults ({stats['peak_running']}, "
          f"{stats['refused_limit']})")

    # ---- items that arrive by restore and by import are writes of the new table too
    ddb.restore_table_to_point_in_time(SourceTableName=TABLE, TargetTableName="inc-restored",
                                       UseLatestRestorableTime=True)
    full_folder = dfull["ExportManifest"].rsplit("/", 1)[0]
    ddb.import_table(S3BucketSource={"S3Bucket": BUCKET, "S3KeyPrefix": f"{full_folder}/data/"},
                     InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
                     TableCreationParameters={"TableName": "inc-imported", "KeySchema": KEY_SCHEMA,
                                              "AttributeDefinitions": ATTR_DEFS, "BillingMode": "PAY_PER_REQUEST"})
    for name in ("inc-restored", "inc-imported"):
        base.wait_for(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE" or None,
                      f"{name} ACTIVE", timeout=30)
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        d = road.finished(ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket=BUCKET, S3Prefix=name)[
            "ExportDescription"]["ExportArn"], f"full export of {name}")
        got = [item_from_export(line["Item"]) for line in road.lines(d, name)]
        scanned = base.scan_all(ddb, name)
        check(len(scanned) > 0 and base.compare(scanned, got) == 0,
              f"[incremental] {name}: the export replayed from the history = the table ({len(got)} items)")

    print(f"[incremental] writes {[w.done for w in writers]}; full export {len(full_lines)} items, windows {len(r1)} + {len(r2)} "
          f"records", file=sys.stderr)


# --------------------------------------------------------------------------- faults
def fault_run(exports: dict, stats_path: str) -> list:
    """Writes through the fault knobs; returns what happened, call by call."""
    src, _ = base.sessions(exports)
    ddb = src.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))
    bodies = []
    ddb.meta.events.register("before-parse.dynamodb.*", lambda response_dict, **_: bodies.append(response_dict["body"]))
    for name in ("faulty", "calm"):
        ddb.create_table(TableName=name, KeySchema=KEY_SCHEMA, AttributeDefinitions=ATTR_DEFS, BillingMode="PAY_PER_REQUEST")
    seen, unprocessed, throttled = [], 0, 0
    for table in ("faulty", "calm"):
        for batch in range(6):
            reqs = [{"PutRequest": {"Item": {"pk": {"S": f"b{batch}"}, "sk": {"N": str(i)}}}} for i in range(10)]
            pending = {table: reqs}
            tries = 0
            while pending and tries < 50:
                tries += 1
                try:
                    resp = ddb.batch_write_item(RequestItems=pending)
                except ClientError as e:
                    check(e.response["Error"]["Code"] == "ProvisionedThroughputExceededException" and table == "faulty",
                          f"[faults] BatchWriteItem throttled on {table}")
                    throttled += 1
                    seen.append(("throttle", table))
                    continue
                back = resp["UnprocessedItems"].get(table, [])
                if back:
                    check(table == "faulty", "[faults] only the listed table leaves items unprocessed")
                    in_table = [ddb.get_item(TableName=table, Key=r["PutRequest"]["Item"]).get("Item") for r in back]
                    check(not any(in_table), "[faults] unprocessed items were not written")
                unprocessed += len(back)
                seen.append(("batch", table, len(pending[table]), len(back)))
                pending = {table: back} if back else {}
            check(not pending, f"[faults] {table} batch {batch} written after {tries} calls")
        for i in range(12):
            item = {"pk": {"S": "single"}, "sk": {"N": str(i)}}
            code = error_of(lambda: ddb.put_item(TableName=table, Item=item))[0]
            got = ddb.get_item(TableName=table, Key=item).get("Item")
            if code:
                throttled += 1
                check(code == "ProvisionedThroughputExceededException" and table == "faulty" and got is None,
                      f"[faults] a throttled PutItem writes nothing ({table}, {code})")
                raw = json.loads(bodies[-2])
                check(raw == {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                              "message": raw.get("message")} and raw.get("message"),
                      f"[faults] AWS's error shape: {raw}")
            else:
                check(got is not None, "[faults] an accepted PutItem writes")
            seen.append(("put", table, code))
    count = {t: len(base.scan_all(ddb, t)) for t in ("faulty", "calm")}
    put_throttles = sum(1 for s in seen if s[0] == "put" and s[2])
    check(count == {"faulty": 72 - put_throttles, "calm": 72},
          f"[faults] every batch item arrived in the end, every accepted put: {count}")
    with open(stats_path, encoding="utf-8") as f:
        stats = json.load(f)
    check(stats.get("write_faults", {}).get(SOURCE) == {"unprocessed_items": unprocessed, "throttled": throttled},
          f"[faults] stats write_faults {stats.get('write_faults')} = {unprocessed} unprocessed, {throttled} throttled")
    check(unprocessed > 0 and throttled > 0, f"[faults] both faults happened ({unprocessed}, {throttled})")
    return seen


def main() -> int:
    t0 = time.time()
    knobs = {"FERRY_EMU_RESTORABLE_LAG_S": str(LAG_S), "FERRY_EMU_MIN_INCREMENTAL_WINDOW_S": str(MIN_WINDOW_S),
             "FERRY_EMU_EXPORT_DELAY_S": str(EXPORT_DELAY_S), "FERRY_EMU_REAL_LAYOUT": "1",
             "FERRY_EMU_DATA_FILES": str(DATA_FILES), "FERRY_EMU_RESTORE_JOB_S": "0.5",
             "FERRY_EMU_IMPORT_DELAY_S": "0.5", "FERRY_EMU_EXPORT_LIMIT": "3",
             "FERRY_EMU_STATS_FILE": "{state_dir}/stats.json"}
    fault_knobs = {"FERRY_EMU_UNPROCESSED_SHARE": "0.5", "FERRY_EMU_THROTTLE_SHARE": "0.3",
                   "FERRY_EMU_FAULT_SEED": "7", "FERRY_EMU_FAULT_TABLES": "faulty",
                   "FERRY_EMU_STATS_FILE": "{state_dir}/stats.json"}
    runs = []
    phases = [("incremental", knobs, lambda exports, state_dir: incremental_scenario(
        exports, os.path.join(state_dir, "stats.json")))]
    for n in (1, 2):
        phases.append((f"faults-{n}", fault_knobs, lambda exports, state_dir: runs.append(
            fault_run(exports, os.path.join(state_dir, "stats.json")))))
    for label, phase_knobs, scenario in phases:
        state_dir = tempfile.mkdtemp(prefix=f"ferry-incremental-selfcheck-{label}-")
        try:
            exports = base.start_emulator(state_dir, {k: v.format(state_dir=state_dir) for k, v in phase_knobs.items()})
            print(f"[{label}] emulator {exports['DDB_FERRY_EMULATOR_URL']}", file=sys.stderr)
            scenario(exports, state_dir)
        except Exception as exc:  # report, stop the emulator, keep going
            import traceback
            traceback.print_exc()
            check(False, f"[{label}] crashed: {exc!r}")
            log = os.path.join(state_dir, "moto.log")
            if os.path.exists(log):
                print("".join(open(log, errors="replace").readlines()[-20:]), file=sys.stderr)
        finally:
            base.stop_emulator(state_dir)
    check(len(runs) == 2 and runs[0] == runs[1], "[faults] the same seed gives the same faults")
    ok = not base.failures
    print(f"incremental selfcheck {'OK' if ok else 'FAILED'}: {len(phases)} emulators, "
          f"{base.checks - len(base.failures)}/{base.checks} checks passed in {time.time() - t0:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
