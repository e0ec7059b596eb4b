#!/usr/bin/env python3
"""Self-check of the local emulator (run: tests/emulator/local-aws selfcheck).

Starts two private emulators on free ports, one plain and one with every knob on
(delays + real export layout), and in each: fills a source table (account
123456789012) with awkward items, exports it to a bucket of the dest account
(222222222222, reached through STS like real users), checks the export's status
and layout, imports the data folder into a fresh table in dest, and compares both
tables item by item. A third emulator checks the job quotas and the stats file
(job_limits.py): FERRY_EMU_EXPORT_LIMIT=2 with 2-second exports, the first export and
import calls refused by FERRY_EMU_LIMIT_EXCEEDED_FIRST=1, and FERRY_EMU_STATS_FILE's
counts; and a start with a bad count knob must fail. Exits non-zero on any failed
check or difference.
"""

import base64
import gzip
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL_AWS = os.path.join(HERE, "local-aws")
DEST_ACCOUNT = "222222222222"
N_ITEMS = 240
DELAY_S = 3.0
DATA_FILES = 3
LIMIT_DELAY_S = 2.0

failures: list[str] = []
checks = 0


def check(cond: bool, what: str) -> bool:
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"  FAIL: {what}", file=sys.stderr)
    return cond


# --------------------------------------------------------------------------- data
def awkward_items(n: int) -> list[dict]:
    rnd = random.Random(20240601)
    texts = ['plain', 'quote " inside', 'back\\slash', '\\"both\\"', 'é ü ß', '日本語テキスト',
             'emoji 🦀🚀', 'zero\u200bwidth', 'new\nline\ttab', '{"json":"in a string"}',
             "single 'quotes'", 'trailing space ', 'ctrl \u0001\u001f', 'a' * 2000, '\\u00e9 literally']
    items = []
    for i in range(n):
        t = texts[i % len(texts)]
        item = {
            "pk": {"S": f"user#{i % 40}#{t[:12]}"},
            "sk": {"N": str(i)},
            "s": {"S": t},
            "n_int": {"N": str(rnd.randint(-10**12, 10**12))},
            "n_dec": {"N": rnd.choice(["10.10", "-0.5", "3.14159265358979323846", "1E+2", "0", "123456789012345678901234567890123456.78"])},
            "b": {"B": bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40)))},
            "ss": {"SS": list({t, f"x{i}", "ü"})},
            "ns": {"NS": list({"1", "2.5", str(i)})},
            "bs": {"BS": [b"\x00", b"\xff\xfe", bytes([i % 256, 7])]},
            "bool": {"BOOL": i % 2 == 0},
            "null": {"NULL": True},
            "empty_l": {"L": []},
            "empty_m": {"M": {}},
            "nested": {"M": {
                "l": {"L": [{"S": t}, {"N": "-1.0"}, {"L": []}, {"M": {}}, {"B": b"\x01\x02"}, {"NULL": True}]},
                "m": {"M": {"deep": {"M": {"x": {"SS": ["a", "b"]}, "é": {"BOOL": False}}}}},
                "Case": {"S": "upper"}, "case": {"S": "lower"},
            }},
            # attribute names differing only in case, and with unusual characters
            "Name": {"S": "upper N"},
            "name": {"S": "lower n"},
            'we"ird \\ nämé': {"S": t},
        }
        if i % 7 == 0:
            item["empty_s"] = {"S": ""}
        items.append(item)
    return items


def norm(av):
    """Comparable form of an attribute value: numbers numerically, sets unordered."""
    (typ, val), = av.items()
    if typ == "N":
        return ("N", Decimal(val))
    if typ == "NS":
        return ("NS", frozenset(Decimal(v) for v in val))
    if typ in ("SS", "BS"):
        return (typ, frozenset(bytes(v) if typ == "BS" else v for v in val))
    if typ == "B":
        return ("B", bytes(val))
    if typ == "L":
        return ("L", tuple(norm(v) for v in val))
    if typ == "M":
        return ("M", tuple(sorted((k, norm(v)) for k, v in val.items())))
    return (typ, val)


def item_key(item):
    return (item["pk"]["S"], Decimal(item["sk"]["N"]))


def scan_all(client, table):
    items, kwargs = [], {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def compare(expected: list[dict], actual: list[dict]) -> int:
    exp = {item_key(i): i for i in expected}
    act = {item_key(i): i for i in actual}
    diffs = 0
    for k in sorted(set(exp) | set(act), key=str):
        a, b = exp.get(k), act.get(k)
        if a is None or b is None:
            diffs += 1
            if diffs <= 5:
                print(f"  DIFF {k}: {'missing in dest' if b is None else 'unexpected in dest'}", file=sys.stderr)
            continue
        na = {name: norm(v) for name, v in a.items()}
        nb = {name: norm(v) for name, v in b.items()}
        if na != nb:
            diffs += 1
            if diffs <= 5:
                bad = sorted(n for n in set(na) | set(nb) if na.get(n) != nb.get(n))
                print(f"  DIFF {k}: attributes {bad}", file=sys.stderr)
    return diffs


# ---------------------------------------------------------------------- emulator
def start_emulator(state_dir: str, knobs: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERRY_EMU_")}
    env.update(knobs)
    out = subprocess.run([LOCAL_AWS, "start", "--state-dir", state_dir], env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    exports = dict(re.findall(r"^export (\w+)=(.*)$", out, re.M))
    for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "DDB_FERRY_EMULATOR_URL", "DDB_FERRY_EMULATOR_PID"):
        if k not in exports:
            raise SystemExit(f"local-aws start did not print {k}: {out!r}")
    return exports


def stop_emulator(state_dir: str) -> None:
    subprocess.run([LOCAL_AWS, "stop", "--state-dir", state_dir], check=False)


def sessions(exports: dict):
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)
    os.environ["AWS_CONFIG_FILE"] = exports["AWS_CONFIG_FILE"]
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = exports["AWS_SHARED_CREDENTIALS_FILE"]
    return boto3.Session(profile_name="source"), boto3.Session(profile_name="dest")


def wait_for(fn, what: str, timeout: float = 60.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value is not None:
            return value
        if time.time() > deadline:
            raise TimeoutError(what)
        time.sleep(0.25)


# ---------------------------------------------------------------------- scenario
def scenario(label: str, exports: dict, delayed: bool, real_layout: bool) -> int:
    print(f"[{label}] emulator {exports['DDB_FERRY_EMULATOR_URL']}", file=sys.stderr)
    src, dst = sessions(exports)
    s3cfg = Config(s3={"addressing_style": "path"})
    ddb_src, ddb_dst = src.client("dynamodb"), dst.client("dynamodb")
    s3_dst = dst.client("s3", config=s3cfg)
    check(src.client("sts").get_caller_identity()["Account"] == "123456789012", f"[{label}] source account")
    check(dst.client("sts").get_caller_identity()["Account"] == DEST_ACCOUNT, f"[{label}] dest account via role")

    key_schema = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    attr_defs = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]
    ddb_src.create_table(TableName="ferry-src", KeySchema=key_schema, AttributeDefinitions=attr_defs,
                         BillingMode="PAY_PER_REQUEST")
    ddb_src.update_continuous_backups(TableName="ferry-src",
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    items = awkward_items(N_ITEMS)
    for i in range(0, len(items), 25):
        ddb_src.batch_write_item(RequestItems={"ferry-src": [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
    source_items = scan_all(ddb_src, "ferry-src")
    check(len(source_items) == N_ITEMS, f"[{label}] source has {N_ITEMS} items")
    table_arn = ddb_src.describe_table(TableName="ferry-src")["Table"]["TableArn"]

    bucket = f"ferry-export-{label}"
    s3_dst.create_bucket(Bucket=bucket)
    prefix = "exports/run1"
    t0 = time.time()
    exp = ddb_src.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3BucketOwner=DEST_ACCOUNT, S3Prefix=prefix,
        ExportFormat="DYNAMODB_JSON")["ExportDescription"]
    export_arn = exp["ExportArn"]

    if delayed:
        time.sleep(0.5)
        d = ddb_src.describe_export(ExportArn=export_arn)["ExportDescription"]
        check(d["ExportStatus"] == "IN_PROGRESS", f"[{label}] export IN_PROGRESS during delay")
        check(not ({"ItemCount", "BilledSizeBytes", "EndTime"} & set(d)), f"[{label}] no counts while running")
        listed = ddb_src.list_exports(TableArn=table_arn)["ExportSummaries"]
        check([e["ExportStatus"] for e in listed] == ["IN_PROGRESS"], f"[{label}] ListExports IN_PROGRESS")
        if real_layout:
            keys = [o["Key"] for o in s3_dst.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
            check(any(k.endswith("/_started") for k in keys), f"[{label}] _started written at start")
            check(sum("/data/" in k for k in keys) == DATA_FILES, f"[{label}] data files written while running")
            check(not any("manifest" in k for k in keys), f"[{label}] no manifests while running")

    def export_done():
        d = ddb_src.describe_export(ExportArn=export_arn)["ExportDescription"]
        return d if d["ExportStatus"] != "IN_PROGRESS" else None

    d = wait_for(export_done, "export completion")
    elapsed = time.time() - t0
    check(d["ExportStatus"] == "COMPLETED", f"[{label}] export COMPLETED (got {d['ExportStatus']} {d.get('FailureMessage')})")
    check(d.get("ItemCount") == N_ITEMS, f"[{label}] ItemCount {d.get('ItemCount')} == {N_ITEMS}")
    check("EndTime" in d and "StartTime" in d, f"[{label}] StartTime/EndTime present")
    if delayed:
        check(elapsed >= DELAY_S - 0.2, f"[{label}] export took the delay ({elapsed:.1f}s)")

    objects = {o["Key"]: o for o in s3_dst.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    data_keys = sorted(k for k in objects if "/data/" in k)
    folder = data_keys[0].rsplit("/data/", 1)[0] if data_keys else ""
    check(re.fullmatch(rf"{prefix}/AWSDynamoDB/[^/]+", folder) is not None, f"[{label}] export folder {folder}")

    def body(key):
        return s3_dst.get_object(Bucket=bucket, Key=key)["Body"].read()

    if not real_layout:
        check(len(objects) == 1 and re.search(r"/data/[0-9a-f-]{36}\.gz$", data_keys[0]) is not None,
              f"[{label}] moto layout: one data file, nothing else")
    else:
        names = {k[len(folder) + 1:] for k in objects}
        want = {"_started", "manifest-files.json", "manifest-files.md5", "manifest-summary.json", "manifest-summary.md5"}
        check(want <= names, f"[{label}] manifests present: {sorted(want - names)} missing")
        check(len(data_keys) == DATA_FILES and all(re.search(r"/data/[a-z2-7]{26}\.json\.gz$", k) for k in data_keys),
              f"[{label}] {DATA_FILES} data files named like real ones")
        check(objects[f"{folder}/_started"]["Size"] == 0, f"[{label}] _started is empty")
        line_counts = {k: len([ln for ln in gzip.decompress(body(k)).split(b"\n") if ln.strip()]) for k in data_keys}
        check(sorted(line_counts.values()).count(0) == 1, f"[{label}] exactly one empty data file")
        files_raw = body(f"{folder}/manifest-files.json")
        summary_raw = body(f"{folder}/manifest-summary.json")
        for name, raw in (("manifest-files", files_raw), ("manifest-summary", summary_raw)):
            check(body(f"{folder}/{name}.md5") == base64.b64encode(hashlib.md5(raw).digest()),
                  f"[{label}] {name}.md5 = base64 md5 of {name}.json")
        entries = [json.loads(ln) for ln in files_raw.decode().splitlines() if ln.strip()]
        check(sorted(e["dataFileS3Key"] for e in entries) == data_keys, f"[{label}] manifest-files lists every data file")
        for e in entries:
            gz = body(e["dataFileS3Key"])
            check(e["md5Checksum"] == base64.b64encode(hashlib.md5(gz).digest()).decode(), f"[{label}] md5Checksum")
            check(e["etag"] == hashlib.md5(gz).hexdigest() == objects[e["dataFileS3Key"]]["ETag"].strip('"'),
                  f"[{label}] etag")
            check(e["itemCount"] == line_counts[e["dataFileS3Key"]], f"[{label}] itemCount per file")
        summary = json.loads(summary_raw)
        check(summary.get("itemCount") == N_ITEMS and sum(e["itemCount"] for e in entries) == N_ITEMS,
              f"[{label}] summary itemCount")
        for field, value in (("version", "2020-06-30"), ("exportArn", export_arn), ("tableArn", table_arn),
                             ("s3Bucket", bucket), ("s3Prefix", prefix), ("s3SseAlgorithm", "AES256"),
                             ("s3SseKmsKeyId", None), ("outputFormat", "DYNAMODB_JSON"),
                             ("manifestFilesS3Key", f"{folder}/manifest-files.json")):
            check(summary.get(field, "<absent>") == value, f"[{label}] summary {field} = {summary.get(field)!r}")
        check(all(isinstance(summary.get(f), str) and summary[f].endswith("Z")
                  for f in ("startTime", "endTime", "exportTime")), f"[{label}] summary times")
        check(d.get("ExportManifest") == f"{folder}/manifest-summary.json", f"[{label}] ExportManifest")

    # ---- import the data folder into a fresh table in dest
    t0 = time.time()
    imp = ddb_dst.import_table(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": f"{folder}/data/"},
        InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
        TableCreationParameters={"TableName": "ferry-dst", "KeySchema": key_schema,
                                 "AttributeDefinitions": attr_defs, "BillingMode": "PAY_PER_REQUEST"},
    )["ImportTableDescription"]
    import_arn = imp["ImportArn"]
    if delayed:
        time.sleep(0.5)
        d = ddb_dst.describe_import(ImportArn=import_arn)["ImportTableDescription"]
        check(d["ImportStatus"] == "IN_PROGRESS", f"[{label}] import IN_PROGRESS during delay")
        check(not ({"ImportedItemCount", "ProcessedItemCount", "ErrorCount", "EndTime"} & set(d)),
              f"[{label}] no import counts while running")
        check(ddb_dst.describe_table(TableName="ferry-dst")["Table"]["TableStatus"] == "CREATING",
              f"[{label}] imported table CREATING during delay")
        listed = ddb_dst.list_imports()["ImportSummaryList"]
        check([i["ImportStatus"] for i in listed] == ["IN_PROGRESS"], f"[{label}] ListImports IN_PROGRESS")

    def import_done():
        d = ddb_dst.describe_import(ImportArn=import_arn)["ImportTableDescription"]
        return d if d["ImportStatus"] != "IN_PROGRESS" else None

    d = wait_for(import_done, "import completion")
    elapsed = time.time() - t0
    check(d["ImportStatus"] == "COMPLETED", f"[{label}] import COMPLETED (got {d['ImportStatus']} {d.get('FailureMessage')})")
    check((d.get("ImportedItemCount"), d.get("ProcessedItemCount"), d.get("ErrorCount")) == (N_ITEMS, N_ITEMS, 0),
          f"[{label}] import counts {d.get('ImportedItemCount')}/{d.get('ProcessedItemCount')}/{d.get('ErrorCount')}")
    check(ddb_dst.describe_table(TableName="ferry-dst")["Table"]["TableStatus"] == "ACTIVE", f"[{label}] table ACTIVE")
    if delayed:
        check(elapsed >= DELAY_S - 0.2, f"[{label}] import took the delay ({elapsed:.1f}s)")
    diffs = compare(source_items, scan_all(ddb_dst, "ferry-dst"))
    check(diffs == 0, f"[{label}] {diffs} differences between source and imported table")

    if not delayed:
        # ---- wrong-case key names, bad JSON, several objects, NONE compression
        good = {"Item": {"pk": {"S": "ok"}, "sk": {"N": "1"}}}
        wrong_case = {"Item": {"PK": {"S": "bad"}, "sk": {"N": "2"}}}
        s3_dst.put_object(Bucket=bucket, Key="raw/part-1.json", Body=json.dumps(good) + "\n")
        s3_dst.put_object(Bucket=bucket, Key="raw/part-2.json", Body=json.dumps(wrong_case) + "\n{not json\n")
        imp = ddb_dst.import_table(
            S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "raw/"}, InputFormat="DYNAMODB_JSON",
            InputCompressionType="NONE",
            TableCreationParameters={"TableName": "ferry-case", "KeySchema": key_schema,
                                     "AttributeDefinitions": attr_defs, "BillingMode": "PAY_PER_REQUEST"},
        )["ImportTableDescription"]
        d = wait_for(lambda: (lambda x: x if x["ImportStatus"] != "IN_PROGRESS" else None)(
            ddb_dst.describe_import(ImportArn=imp["ImportArn"])["ImportTableDescription"]), "case import")
        got = (d["ImportStatus"], d.get("ProcessedItemCount"), d.get("ImportedItemCount"), d.get("ErrorCount"))
        check(got == ("COMPLETED", 3, 1, 2), f"[{label}] wrong-case/bad-JSON import counted as errors: {got}")
        check(len(scan_all(ddb_dst, "ferry-case")) == 1, f"[{label}] only the good item imported")

    print(f"[{label}] {N_ITEMS} items exported, imported and compared: {diffs} differences", file=sys.stderr)
    return diffs


# ------------------------------------------------------------- quotas and stats
def limits_scenario(label: str, exports: dict, stats_path: str) -> int:
    """EXPORT_LIMIT=2, LIMIT_EXCEEDED_FIRST=1, STATS_FILE: refusals start nothing, an
    idempotent repeat is answered, a place frees when a job ends, and the stats count."""
    print(f"[{label}] emulator {exports['DDB_FERRY_EMULATOR_URL']}", file=sys.stderr)
    src, dst = sessions(exports)
    # No SDK retries: the stats must count exactly the calls made here (botocore's standard
    # mode would repeat a LimitExceededException on its own).
    once = Config(retries={"total_max_attempts": 1})
    ddb_src, ddb_dst = src.client("dynamodb", config=once), dst.client("dynamodb", config=once)
    made = {"123456789012": Counter(), DEST_ACCOUNT: Counter()}  # the DynamoDB calls made here
    for client, account in ((ddb_src, "123456789012"), (ddb_dst, DEST_ACCOUNT)):
        client.meta.events.register(
            "before-call.dynamodb",
            lambda model, account=account, **_: made[account].update([f"DynamoDB.{model.name}"]))
    s3_dst = dst.client("s3", config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
    key_schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attr_defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    ddb_src.create_table(TableName="limits-src", KeySchema=key_schema, AttributeDefinitions=attr_defs,
                         BillingMode="PAY_PER_REQUEST")
    ddb_src.update_continuous_backups(TableName="limits-src",
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb_src.put_item(TableName="limits-src", Item={"pk": {"S": "one"}})
    table_arn = ddb_src.describe_table(TableName="limits-src")["Table"]["TableArn"]
    bucket = "ferry-limits"
    s3_dst.create_bucket(Bucket=bucket)
    s3_dst.put_object(Bucket=bucket, Key="items/part-1.json", Body=json.dumps({"Item": {"pk": {"S": "a"}}}) + "\n")

    def export(token):
        return ddb_src.export_table_to_point_in_time(
            TableArn=table_arn, S3Bucket=bucket, S3BucketOwner=DEST_ACCOUNT, S3Prefix=f"exports/{token}",
            ExportFormat="DYNAMODB_JSON", ClientToken=token)["ExportDescription"]

    def import_(token, table):
        return ddb_dst.import_table(
            ClientToken=token, S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "items/"},
            InputFormat="DYNAMODB_JSON", InputCompressionType="NONE",
            TableCreationParameters={"TableName": table, "KeySchema": key_schema,
                                     "AttributeDefinitions": attr_defs, "BillingMode": "PAY_PER_REQUEST"},
        )["ImportTableDescription"]

    def refused(call, what):
        try:
            call()
        except ClientError as e:
            err, meta = e.response["Error"], e.response["ResponseMetadata"]
            ok = (err["Code"] == "LimitExceededException" and meta["HTTPStatusCode"] == 400
                  and "There is a limit of" in err["Message"])
            return check(ok, f"[{label}] {what}: LimitExceededException, HTTP 400 (got {err['Code']} "
                             f"{meta['HTTPStatusCode']} {err['Message']!r})")
        return check(False, f"[{label}] {what}: refused (it was accepted)")

    def n_exports():
        return len(ddb_src.list_exports(TableArn=table_arn)["ExportSummaries"])

    def export_folders():
        keys = [o["Key"] for o in s3_dst.list_objects_v2(Bucket=bucket, Prefix="exports/").get("Contents", [])]
        return {k.split("/")[1] for k in keys}

    # LIMIT_EXCEEDED_FIRST=1: the first export call is refused although nothing runs.
    refused(lambda: export("first"), "first export call")
    check(n_exports() == 0, f"[{label}] the refused first export started nothing")
    # EXPORT_LIMIT=2: two run, a third is refused and starts nothing.
    e1, e2 = export("e1"), export("e2")
    refused(lambda: export("e3"), "third concurrent export")
    check(n_exports() == 2, f"[{label}] the refused third export started nothing (ListExports)")
    again = export("e2")  # the same ClientToken as a running export: that export, not a refusal
    check(again["ExportArn"] == e2["ExportArn"] and n_exports() == 2,
          f"[{label}] a repeat with a running export's ClientToken answers that export")

    # LIMIT_EXCEEDED_FIRST=1 for imports: only the first ImportTable call is refused.
    refused(lambda: import_("i0", "limits-i0"), "first import call")
    check("limits-i0" not in ddb_dst.list_tables()["TableNames"] and not ddb_dst.list_imports()["ImportSummaryList"],
          f"[{label}] the refused import created no table and no import")
    i1, i2 = import_("i1", "limits-i1"), import_("i2", "limits-i2")
    check(bool(i1["ImportArn"]) and i1["ImportArn"] != i2["ImportArn"], f"[{label}] the second and third imports start")

    def ended(arn):
        d = ddb_src.describe_export(ExportArn=arn)["ExportDescription"]
        return d if d["ExportStatus"] != "IN_PROGRESS" else None

    for arn in (e1["ExportArn"], e2["ExportArn"]):
        wait_for(lambda: ended(arn), "limited export completion", timeout=30)
    e4 = export("e4")  # a place is free again
    check(e4["ExportStatus"] == "IN_PROGRESS" and n_exports() == 3, f"[{label}] an export starts once one ended")

    def import_done(arn):
        d = ddb_dst.describe_import(ImportArn=arn)["ImportTableDescription"]
        return d if d["ImportStatus"] != "IN_PROGRESS" else None

    for imp in (i1, i2):
        d = wait_for(lambda: import_done(imp["ImportArn"]), "import completion", timeout=30)
        check(d["ImportStatus"] == "COMPLETED", f"[{label}] import {d['ImportStatus']}")

    check(export_folders() == {"e1", "e2", "e4"}, f"[{label}] export folders {sorted(export_folders())}")

    # The stats file, as of the last call (one more in source: "running" is e4 alone).
    n_exports()
    with open(stats_path, encoding="utf-8") as f:
        stats = json.load(f)
    check(set(stats) == {"calls", "running", "peak_running", "refused_limit"}, f"[{label}] stats keys {sorted(stats)}")
    check(made["123456789012"]["DynamoDB.ExportTableToPointInTime"] == 6
          and made[DEST_ACCOUNT]["DynamoDB.ImportTable"] == 3, f"[{label}] calls made here: {made}")
    for account, counter in made.items():
        got = stats["calls"].get(account)
        check(got == dict(counter), f"[{label}] stats count every DynamoDB call of {account}: {got} != {dict(counter)}")
    check(stats["refused_limit"].get("123456789012") == {"exports": 2, "imports": 0}
          and stats["refused_limit"].get(DEST_ACCOUNT) == {"exports": 0, "imports": 1},
          f"[{label}] stats refused_limit {stats['refused_limit']}")
    check(stats["peak_running"].get("123456789012") == {"exports": 2, "imports": 0}
          and stats["peak_running"].get(DEST_ACCOUNT) == {"exports": 0, "imports": 2},
          f"[{label}] stats peak_running {stats['peak_running']}")
    check(stats["running"].get("123456789012") == {"exports": 1, "imports": 0}
          and stats["running"].get(DEST_ACCOUNT) == {"exports": 0, "imports": 0},
          f"[{label}] stats running {stats['running']}")
    print(f"[{label}] quotas, LimitExceededException and stats checked", file=sys.stderr)
    return 0


def bad_knob_refused() -> None:
    """A count knob that is not a whole number stops the launcher at start."""
    state_dir = tempfile.mkdtemp(prefix="ferry-selfcheck-badknob-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERRY_EMU_")}
    env["FERRY_EMU_EXPORT_LIMIT"] = "two"
    try:
        run = subprocess.run([LOCAL_AWS, "start", "--state-dir", state_dir], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(run.returncode != 0 and "FERRY_EMU_EXPORT_LIMIT='two' is not a whole number" in run.stderr,
              f"[badknob] FERRY_EMU_EXPORT_LIMIT=two stops the launcher (exit {run.returncode})")
    finally:
        stop_emulator(state_dir)


def main() -> int:
    total_diffs = 0
    phases = [
        ("plain", {}, lambda label, exports, state_dir: scenario(label, exports, False, False)),
        ("knobs", {"FERRY_EMU_EXPORT_DELAY_S": str(DELAY_S), "FERRY_EMU_IMPORT_DELAY_S": str(DELAY_S),
                   "FERRY_EMU_REAL_LAYOUT": "1", "FERRY_EMU_DATA_FILES": str(DATA_FILES)},
         lambda label, exports, state_dir: scenario(label, exports, True, True)),
        ("limits", {"FERRY_EMU_EXPORT_LIMIT": "2", "FERRY_EMU_EXPORT_DELAY_S": str(LIMIT_DELAY_S),
                    "FERRY_EMU_IMPORT_DELAY_S": "1", "FERRY_EMU_LIMIT_EXCEEDED_FIRST": "1",
                    "FERRY_EMU_STATS_FILE": "{state_dir}/stats.json"},
         lambda label, exports, state_dir: limits_scenario(label, exports, os.path.join(state_dir, "stats.json"))),
    ]
    for label, knobs, run in phases:
        state_dir = tempfile.mkdtemp(prefix=f"ferry-selfcheck-{label}-")
        try:
            exports = start_emulator(state_dir, {k: v.format(state_dir=state_dir) for k, v in knobs.items()})
            total_diffs += run(label, exports, state_dir)
        except Exception as exc:  # report, stop the emulator, keep going
            check(False, f"[{label}] crashed: {exc!r}")
            log = os.path.join(state_dir, "moto.log")
            if os.path.exists(log):
                print("".join(open(log, errors="replace").readlines()[-20:]), file=sys.stderr)
        finally:
            stop_emulator(state_dir)
    bad_knob_refused()
    ok = not failures and total_diffs == 0
    print(f"selfcheck {'OK' if ok else 'FAILED'}: {len(phases)} emulators, {N_ITEMS} items round-tripped in "
          f"the first two, {total_diffs} differences, {checks - len(failures)}/{checks} checks passed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
