#!/usr/bin/env python3
"""Start moto 5.2.5's server in-process, after patching the parts of its DynamoDB
export/import emulation that would otherwise make ddb-ferry's tests lie, and adding
DynamoDB restores and AWS Backup for DynamoDB (dynamodb_restores.py, backup_emulation.py),
and a write history behind point-in-time and incremental exports (write_history.py).

Run with the project's venv python (tests/emulator/local-aws start does this):

    launcher.py --host 127.0.0.1 --port N

Knobs (environment variables, read once at start):
    FERRY_EMU_EXPORT_DELAY_S  float, default 0: exports report IN_PROGRESS for this
                              many seconds after they start (real AWS: minutes to hours).
    FERRY_EMU_IMPORT_DELAY_S  float, default 0: the same for imports; the new table
                              stays CREATING and empty until then.
    FERRY_EMU_REAL_LAYOUT     1 = rewrite every DYNAMODB_JSON export into real AWS's
                              layout (several data/*.json.gz, manifests, md5 files).
    FERRY_EMU_DATA_FILES      int, default 3: number of data files in the real layout
                              (one of them empty when >= 2).
    FERRY_EMU_BACKUP_JOB_S    float, default 3: AWS Backup backup jobs take this long.
    FERRY_EMU_COPY_JOB_S      float, default 3: AWS Backup copy jobs take this long.
    FERRY_EMU_RESTORE_JOB_S   float, default 3: AWS Backup restore jobs, and the tables
                              of DynamoDB's own restores, stay unfinished this long.
    FERRY_EMU_RESTORE_DROP_INDEX  index name: every restore leaves that index out.
    FERRY_EMU_EXPORT_LIMIT    int, default 0 (none): at most this many exports IN_PROGRESS
                              per account and Region; one more ExportTableToPointInTime
                              answers LimitExceededException and starts nothing.
    FERRY_EMU_IMPORT_LIMIT    int, default 0 (none): the same for ImportTable.
    FERRY_EMU_LIMIT_EXCEEDED_FIRST  int, default 0: the first N ExportTableToPointInTime
                              calls, and the first N ImportTable calls, of the emulator's
                              life answer LimitExceededException and start nothing.
    FERRY_EMU_STATS_FILE      path: keep a JSON file there of DynamoDB calls per account
                              and operation, running / peak running jobs and refusals
                              (job_limits.py describes it).
    FERRY_EMU_RESTORABLE_LAG_S  float, default 300: LatestRestorableDateTime trails now by
                              this much (AWS: about 5 minutes); export times after it are
                              refused (write_history.py).
    FERRY_EMU_MIN_INCREMENTAL_WINDOW_S  float, default 900: the shortest incremental
                              export window accepted (AWS: 15 minutes).
    FERRY_EMU_UNPROCESSED_SHARE  float 0..1, default 0: that share of each BatchWriteItem
                              call's requests comes back in UnprocessedItems, unwritten.
    FERRY_EMU_THROTTLE_SHARE  float 0..1, default 0: that share of PutItem, UpdateItem,
                              DeleteItem and BatchWriteItem calls answers
                              ProvisionedThroughputExceededException and writes nothing.
    FERRY_EMU_FAULT_SEED      int, default 0: seeds the choices of the two shares above.
    FERRY_EMU_FAULT_TABLES    comma-separated table names the two shares apply to
                              (default: every table).

Every patch below says why it exists. Keep them small: the point is moto plus the
few places where moto differs from AWS in ways the product must be tested against.
"""

import argparse
import base64
import gzip
import hashlib
import json
import logging
import os
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

from knobs import env_float as _env_float

log = logging.getLogger("ferry-emu")


EXPORT_DELAY_S = _env_float("FERRY_EMU_EXPORT_DELAY_S", 0.0)
IMPORT_DELAY_S = _env_float("FERRY_EMU_IMPORT_DELAY_S", 0.0)
REAL_LAYOUT = os.environ.get("FERRY_EMU_REAL_LAYOUT", "0").strip() == "1"
DATA_FILES = int(_env_float("FERRY_EMU_DATA_FILES", 3.0)) or 1

import moto  # noqa: E402
import moto.server  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.models.table_export import TableExport  # noqa: E402
from moto.dynamodb.models.table_import import TableImport  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.s3.models import s3_backends  # noqa: E402

if moto.__version__ != "5.2.5":
    # The patches replace moto internals by name; another version may differ.
    sys.exit(f"launcher: expected moto 5.2.5, found {moto.__version__}")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _sleep_until(deadline: float) -> None:
    while True:
        left = deadline - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.5))


def _iso_ms(dt: datetime) -> str:
    # manifest-summary.json timestamps look like 2020-11-04T07:28:34.028Z
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _table_id(table_arn: str) -> str:
    # moto has no table ids; derive a stable UUID so manifests and Describe agree.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, table_arn))


def _s3_backend_for_bucket(bucket: str, fallback_account: str, partition: str):
    """The S3 backend of the account that OWNS `bucket`.

    moto keeps one S3 backend per account; bucket names are global and recorded in
    s3_backends.bucket_accounts (name -> (partition, account)). Writing through the
    owner's backend is what lets an export in account A land in a bucket of B."""
    owner = s3_backends.bucket_accounts.get(bucket)
    if owner:
        partition, account = owner
    else:
        account = fallback_account
    return s3_backends[account][partition]


# ---------------------------------------------------------------------------
# Patch 1 (both jobs): a status that stays IN_PROGRESS until the job is "published".
#
# WHY: moto finishes an export/import in ~0.2 s; real AWS takes minutes to hours and
# reports no counts meanwhile. The job thread keeps writing `status` as moto does;
# readers (Describe*, List*) see IN_PROGRESS until our wrapper publishes the result
# after the configured delay (and after the real-layout manifests exist).
# ---------------------------------------------------------------------------
def _get_status(self):
    if getattr(self, "_emu_published", False):
        return self._emu_status
    return "IN_PROGRESS"


def _set_status(self, value):
    self._emu_status = value


TableExport.status = property(_get_status, _set_status)
TableImport.status = property(_get_status, _set_status)


def _job_init_wrapper(orig_init, delay_s):
    def __init__(self, *args, **kwargs):
        self._emu_published = False
        orig_init(self, *args, **kwargs)
        self._emu_start = _now()
        self._emu_deadline = time.time() + delay_s
        self._emu_end = None
        # moto defaults an omitted ExportFormat to the invalid enum "DYNAMO_JSON".
        if getattr(self, "export_format", None) == "DYNAMO_JSON":
            self.export_format = "DYNAMODB_JSON"
        # Daemon: a job sleeping out its delay must not keep the server alive on SIGTERM.
        self.daemon = True

    return __init__


TableExport.__init__ = _job_init_wrapper(TableExport.__init__, EXPORT_DELAY_S)
TableImport.__init__ = _job_init_wrapper(TableImport.__init__, IMPORT_DELAY_S)

# Fields real AWS leaves out while a job runs.
_EXPORT_RESULT_FIELDS = ("ItemCount", "BilledSizeBytes", "EndTime", "FailureCode", "FailureMessage", "ExportManifest")
_IMPORT_RESULT_FIELDS = ("ProcessedItemCount", "ProcessedSizeBytes", "ErrorCount", "ImportedItemCount",
                         "EndTime", "FailureCode", "FailureMessage")


# ---------------------------------------------------------------------------
# Patch 2 (export): delay, real layout, a few missing Describe fields.
# ---------------------------------------------------------------------------
_orig_export_run = TableExport.run
_orig_backup = TableExport._backup_to_s3_file
_orig_export_response = TableExport.response


def _export_run(self):
    try:
        _orig_export_run(self)
    except Exception as exc:  # moto catches its own errors; this is belt and braces
        log.exception("export thread crashed")
        self.status, self.failure_code, self.failure_message = "FAILED", "UNKNOWN", str(exc)
    finally:
        _sleep_until(self._emu_deadline)
        self._emu_end = _now()
        if self._emu_status == "COMPLETED" and getattr(self, "_emu_layout", None):
            try:
                _write_manifests(self)
            except Exception as exc:
                log.exception("writing manifests failed")
                self.status, self.failure_code, self.failure_message = "FAILED", "UNKNOWN", str(exc)
        self._emu_published = True


class _RecordingS3:
    """Passes put_object through to moto's S3 backend and remembers what was written,
    so we know the key and bytes of moto's single export file."""

    def __init__(self, real):
        self._real = real
        self.writes = []

    def put_object(self, bucket_name, key_name, value, **kwargs):
        self.writes.append((bucket_name, key_name, value))
        return self._real.put_object(bucket_name, key_name, value, **kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _backup_to_s3_file(self, s3_backend):
    if getattr(self, "_emu_incremental", None):
        _write_incremental(self, s3_backend)
        return
    recorder = _RecordingS3(s3_backend)
    lines = write_history.full_export_lines(self)
    if lines is None:
        _orig_backup(self, recorder)
    else:
        _history_backup(self, recorder, lines)
    if len(recorder.writes) != 1:
        return
    bucket, key, value = recorder.writes[0]
    raw = gzip.decompress(value)
    # moto bills 1 byte per item; the uncompressed size is a more useful stand-in
    # for a progress estimate (real AWS bills the table size).
    self.processed_bytes = len(raw)
    if not REAL_LAYOUT:
        return
    if self.export_format != "DYNAMODB_JSON":
        # moto writes DYNAMODB_JSON content whatever ExportFormat says (ION is not
        # emulated); naming those bytes *.ion.gz would be a lie, so leave moto's file.
        log.warning("FERRY_EMU_REAL_LAYOUT: %s export left in moto's layout", self.export_format)
        return
    _rewrite_real_layout(self, s3_backend, bucket, key, raw)


def _history_backup(self, s3_backend, lines):
    """moto's _backup_to_s3_file (same key, same lines), but with the table as it was at
    the export's time, replayed from write_history.py, instead of the items of the moment
    the thread runs: a writer busy during the export must not leak into it."""
    body = "".join(line + "\n" for line in lines)
    s3_backend.put_object(
        bucket_name=self.s3_bucket,
        key_name=f"{self.s3_prefix}/AWSDynamoDB/{uuid.uuid4()}/data/{uuid.uuid4()}.gz",
        value=gzip.compress(body.encode("utf-8")),
    )
    self.item_count = len(lines)
    self.processed_bytes = len(lines)
    self.status = "COMPLETED"


def _random_data_name() -> str:
    # Real data files: 26 lowercase base32 characters, e.g. xygt7i2gje4w7jtdw5652s43pa
    return base64.b32encode(os.urandom(16)).decode("ascii").lower().rstrip("=")


def _rewrite_real_layout(self, s3_backend, bucket, moto_key, raw):
    """Turn moto's `{prefix}/AWSDynamoDB/{uuid}/data/{uuid}.gz` into real AWS's layout
    in the same folder: `_started`, N data/*.json.gz (one empty if N >= 2); the
    manifests follow when the export completes (_write_manifests).

    WHY: the product reads manifests and must cope with several, possibly empty, data
    files; moto writes one file and no manifests."""
    owner_s3 = _s3_backend_for_bucket(bucket, self.account_id, self.partition)
    folder = moto_key.rsplit("/data/", 1)[0]
    lines = [ln for ln in raw.decode("utf-8").split("\n") if ln.strip()]

    # Real AWS writes _started first: it proves the bucket is writable.
    owner_s3.put_object(bucket, f"{folder}/_started", b"")

    files = _write_data_files(owner_s3, bucket, f"{folder}/data", lines)
    owner_s3.delete_object(bucket, moto_key)
    self._emu_layout = {"s3": owner_s3, "bucket": bucket, "folder": folder,
                        "files": files, "items": len(lines)}


def _write_data_files(owner_s3, bucket, data_dir, lines) -> list:
    """Spread the lines over DATA_FILES gzip files named like real ones in data_dir (one
    empty when there are 2 or more); returns the manifest-files.json entries."""
    n_files = max(1, DATA_FILES)
    buckets_of_lines = [[] for _ in range(n_files)]
    empty_idx = int.from_bytes(os.urandom(2), "big") % n_files if n_files >= 2 else None
    filled = [i for i in range(n_files) if i != empty_idx]
    for i, line in enumerate(lines):
        buckets_of_lines[filled[i % len(filled)]].append(line)

    files = []
    for chunk in buckets_of_lines:
        body = "".join(line + "\n" for line in chunk).encode("utf-8")
        gz = gzip.compress(body)
        key = f"{data_dir}/{_random_data_name()}.json.gz"
        owner_s3.put_object(bucket, key, gz)
        digest = hashlib.md5(gz).digest()
        files.append({
            "itemCount": len(chunk),
            "md5Checksum": base64.b64encode(digest).decode("ascii"),
            "etag": digest.hex(),
            "dataFileS3Key": key,
        })
    return files


def _write_incremental(self, s3_backend):
    """An incremental export (write_history.py chose its records) in AWS's layout, always
    (there is no moto layout to keep): `_started` and, at completion, the manifests in
    `<prefix>/AWSDynamoDB/<ExportId>/`, the data files in the data folder that the
    incremental exports under one prefix share, `<prefix>/AWSDynamoDB/data/`, as AWS's
    docs show. The ExportId looks like AWS's: 14 digits of milliseconds, '-', 8 hex."""
    owner_s3 = _s3_backend_for_bucket(self.s3_bucket, self.account_id, self.partition)
    base = f"{self.s3_prefix}/AWSDynamoDB"
    export_id = f"{int(self._emu_start.timestamp() * 1000):014d}-{os.urandom(4).hex()}"
    folder = f"{base}/{export_id}"
    lines = write_history.incremental_lines(self)
    owner_s3.put_object(self.s3_bucket, f"{folder}/_started", b"")
    files = _write_data_files(owner_s3, self.s3_bucket, f"{base}/data", lines)
    self.item_count = len(lines)
    self.processed_bytes = sum(len(line.encode("utf-8")) + 1 for line in lines)
    self._emu_layout = {"s3": owner_s3, "bucket": self.s3_bucket, "folder": folder,
                        "files": files, "items": len(lines)}
    self.status = "COMPLETED"


def _write_manifests(self):
    lay = self._emu_layout
    s3, bucket, folder = lay["s3"], lay["bucket"], lay["folder"]

    def put_with_md5(name, body: bytes):
        s3.put_object(bucket, f"{folder}/{name}.json", body)
        # The .md5 object holds the base64 MD5 of the JSON object's bytes, no newline
        # (24 bytes, as in real exports' listings).
        s3.put_object(bucket, f"{folder}/{name}.md5",
                      base64.b64encode(hashlib.md5(body).digest()))

    compact = {"separators": (",", ":")}
    files_body = "".join(json.dumps(f, **compact) + "\n" for f in lay["files"]).encode("utf-8")
    put_with_md5("manifest-files", files_body)
    inc = getattr(self, "_emu_incremental", None)
    summary = {
        # Incremental exports' manifests carry version 2023-08-01, exportFromTime and
        # exportToTime instead of exportTime, then outputView and exportType.
        "version": "2023-08-01" if inc else "2020-06-30",
        "exportArn": self.arn,
        "startTime": _iso_ms(self._emu_start),
        "endTime": _iso_ms(self._emu_end),
        "tableArn": self.table.table_arn,
        "tableId": _table_id(self.table.table_arn),
    }
    if inc:
        summary["exportFromTime"] = _iso_ms(write_history.utc(inc["from"]))
        summary["exportToTime"] = _iso_ms(write_history.utc(inc["to"]))
    else:
        summary["exportTime"] = _iso_ms(_export_time(self))
    summary.update({
        "s3Bucket": bucket,
        "s3Prefix": self.s3_prefix,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{folder}/manifest-files.json",
        "billedSizeBytes": self.processed_bytes,
        "itemCount": lay["items"],
        "outputFormat": "DYNAMODB_JSON",
    })
    if inc:
        summary["outputView"] = inc["view"]
        summary["exportType"] = "INCREMENTAL_EXPORT"
    put_with_md5("manifest-summary", json.dumps(summary, **compact).encode("utf-8"))
    self._emu_manifest_key = f"{folder}/manifest-summary.json"


def _export_time(self) -> datetime:
    """The instant the export's items are the table of (write_history.py's cut); for an
    incremental export its ExportToTime. moto's own: when the job was made."""
    at = getattr(self, "_emu_export_time_us", None)
    return write_history.utc(at) if at is not None else self._emu_start


def _export_response(self):
    resp = _orig_export_response(self)
    # Real AWS returns these; moto does not.
    resp["StartTime"] = self._emu_start
    resp["ExportTime"] = _export_time(self)
    inc = getattr(self, "_emu_incremental", None)
    if inc:
        resp["IncrementalExportSpecification"] = {
            "ExportFromTime": write_history.utc(inc["from"]),
            "ExportToTime": write_history.utc(inc["to"]),
            "ExportViewType": inc["view"],
        }
    resp["TableId"] = _table_id(self.table.table_arn)
    if self._emu_published:
        resp["EndTime"] = self._emu_end
        if getattr(self, "_emu_manifest_key", None):
            resp["ExportManifest"] = self._emu_manifest_key
    else:
        for field in _EXPORT_RESULT_FIELDS:
            resp.pop(field, None)
    return resp


TableExport.run = _export_run
TableExport._backup_to_s3_file = _backup_to_s3_file
TableExport.response = _export_response


# ---------------------------------------------------------------------------
# Patch 3 (import): faithful parsing, delay, S3BucketOwner, real error semantics.
#
# WHY: moto parses the S3 objects with py_partiql_parser's JsonParser.parse, a
# hand-written parser that keeps escapes literally (\" \\ \uXXXX), cuts strings at
# quotes, merges attribute names differing only in case and chokes on {"L":[]} /
# {"M":{}}. Imports then "succeed" with corrupted items. We replace only the import
# path (S3 Select etc. keep moto's parser) with one json.loads per line.
# ---------------------------------------------------------------------------
_orig_import_response = TableImport.response


def _b64_to_bytes(av):
    """DynamoDB JSON carries binaries as base64 text; the wire parser hands moto raw
    bytes. Convert so imported B/BS values (keys included) compare like API-written ones."""
    if not isinstance(av, dict) or len(av) != 1:
        return av
    (typ, val), = av.items()
    if typ == "B" and isinstance(val, str):
        return {"B": base64.b64decode(val)}
    if typ == "BS" and isinstance(val, list):
        return {"BS": [base64.b64decode(v) if isinstance(v, str) else v for v in val]}
    if typ == "M" and isinstance(val, dict):
        return {"M": {k: _b64_to_bytes(v) for k, v in val.items()}}
    if typ == "L" and isinstance(val, list):
        return {"L": [_b64_to_bytes(v) for v in val]}
    return av


def _decode_object(self, key) -> str:
    body = key.value
    if self.compression_type == "GZIP":
        body = gzip.decompress(body)
    elif self.compression_type == "ZSTD":
        try:
            import zstandard  # not part of moto[server]; real AWS supports ZSTD
        except ImportError:
            raise RuntimeError("InputCompressionType ZSTD is not supported by the emulator "
                               "(moto 5.2.5 has no ZSTD support)")
        body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
    return body.decode("utf-8")


def _import_run(self):
    try:
        _import_work(self)
    except Exception as exc:
        # Same shape as moto (e.g. import into an existing table: the message names
        # ResourceInUseException), but asynchronous, as moto does.
        self.status, self.failure_code, self.failure_message = "FAILED", "UNKNOWN", str(exc)
    finally:
        _sleep_until(self._emu_deadline)
        if self.table is not None:
            self.table._emu_creating = False
        self._emu_end = _now()
        self._emu_published = True


def _import_work(self):
    source = self.s3_source
    # moto ignores S3BucketSource.S3BucketOwner and always reads the caller's account;
    # real AWS reads the named owner's bucket (given permission).
    owner = source.get("S3BucketOwner") or self.account_id
    try:
        s3_backend = s3_backends[owner][self.partition]
        bucket = s3_backend.buckets[source["S3Bucket"]]
    except KeyError:
        self.status = "FAILED"
        self.failure_code = "S3NoSuchBucket"
        self.failure_message = "The specified bucket does not exist"
        return
    input_format = getattr(self, "_emu_input_format", "DYNAMODB_JSON")
    if input_format != "DYNAMODB_JSON":
        raise RuntimeError(f"InputFormat {input_format} is not supported by the emulator")

    # Every object under the prefix (no paging), decoded before the table is created
    # so that an unreadable object (e.g. a manifest under a GZIP prefix) leaves no table.
    keys, _, _, _ = s3_backend.list_objects(bucket, prefix=source.get("S3KeyPrefix"),
                                            delimiter=None, marker=None, max_keys=None)
    texts = [(key.name, _decode_object(self, key)) for key in keys]

    from moto.dynamodb.models import dynamodb_backends

    dynamo = dynamodb_backends[self.account_id][self.region_name]
    self.table = dynamo.create_table(
        name=self.table_name, billing_mode=self.billing_mode, throughput=self.throughput,
        schema=self.key_schema, global_indexes=self.global_indexes, indexes=None,
        attr=self.attrs, sse_specification=None, streams=None, tags=[],
        deletion_protection_enabled=False, warm_throughput=None,
    )
    # Real AWS shows the new table as CREATING (and empty to readers) until the
    # import ends; items are loaded after the delay so scans see nothing early.
    self.table._emu_creating = True
    _sleep_until(self._emu_deadline)

    for name, text in texts:
        for line in text.split("\n"):
            if not line.strip():
                continue
            self.processed_count += 1
            self.processed_bytes += len(line.encode("utf-8"))
            try:
                obj = json.loads(line)
                item = obj["Item"]
                if not isinstance(item, dict):
                    raise ValueError("Item is not a map")
                self.table.put_item(item_attrs={k: _b64_to_bytes(v) for k, v in item.items()})
                self.imported_count += 1
            except Exception as exc:
                # Real AWS counts bad items in ErrorCount, logs them to CloudWatch
                # (/aws-dynamodb/imports) and still COMPLETES; our log stands in.
                self.error_count += 1
                log.warning("import %s: %s: item error: %s", self.arn, name, exc)
    self.status = "COMPLETED"


def _import_response(self):
    resp = _orig_import_response(self)
    resp["StartTime"] = self._emu_start
    resp["S3BucketSource"] = self.s3_source
    resp["InputFormat"] = getattr(self, "_emu_input_format", "DYNAMODB_JSON")
    resp["InputCompressionType"] = self.compression_type or "NONE"
    if self._emu_published:
        resp["EndTime"] = self._emu_end
    else:
        for field in _IMPORT_RESULT_FIELDS:
            resp.pop(field, None)
    return resp


def _backend_import_table(self, s3_source, input_format, compression_type, table_name,
                          billing_mode, throughput, key_schema, global_indexes, attrs):
    # Same as moto's, but records InputFormat on the job before its thread starts.
    job = TableImport(account_id=self.account_id, s3_source=s3_source,
                      region_name=self.region_name, table_name=table_name,
                      billing_mode=billing_mode, throughput=throughput, key_schema=key_schema,
                      global_indexes=global_indexes, attrs=attrs,
                      compression_type=compression_type)
    job._emu_input_format = input_format or "DYNAMODB_JSON"
    self.table_imports[job.arn] = job
    job.start()
    return job


TableImport.run = _import_run
TableImport.response = _import_response
DynamoDBBackend.import_table = _backend_import_table

_orig_table_describe = Table.describe


def _table_describe(self, base_key="TableDescription"):
    # moto hard-codes TableStatus ACTIVE; a table being imported is CREATING.
    result = _orig_table_describe(self, base_key)
    if getattr(self, "_emu_creating", False):
        result[base_key]["TableStatus"] = "CREATING"
    return result


Table.describe = _table_describe


# ---------------------------------------------------------------------------
# Patch 4: ListImports. moto 5.2.5 has no such action (HTTP 500 "not implemented");
# real AWS lists running and finished imports, which a resumable migration needs.
# ---------------------------------------------------------------------------
def _list_imports(handler):
    table_arn = handler.body.get("TableArn")
    page_size = int(handler.body.get("PageSize") or 25)
    start = int(handler.body.get("NextToken") or 0)
    jobs = [j for j in handler.dynamodb_backend.table_imports.values()
            if not table_arn or j.table_arn == table_arn]
    jobs.sort(key=lambda j: j._emu_start)
    page = jobs[start:start + page_size]
    summaries = []
    for job in page:
        summary = {
            "ImportArn": job.arn,
            "ImportStatus": job.status,
            "TableArn": job.table_arn,
            "S3BucketSource": job.s3_source,
            "InputFormat": getattr(job, "_emu_input_format", "DYNAMODB_JSON"),
            "StartTime": job._emu_start,
        }
        if job._emu_published:
            summary["EndTime"] = job._emu_end
        summaries.append(summary)
    result = {"ImportSummaryList": summaries}
    if start + page_size < len(jobs):
        result["NextToken"] = str(start + page_size)
    return ActionResult(result)


DynamoHandler.list_imports = _list_imports


# ---------------------------------------------------------------------------
# Patch 4b: ListExports without TableArn, and pages. moto 5.2.5 requires TableArn (a
# KeyError, HTTP 500, without it) and answers everything at once; real AWS lists the
# account's exports of the last 90 days, MaxResults (at most 25) a page, with NextToken.
# ---------------------------------------------------------------------------
def _list_exports(handler):
    table_arn = handler.body.get("TableArn")
    page_size = max(1, min(25, int(handler.body.get("MaxResults") or 25)))
    start = int(handler.body.get("NextToken") or 0)
    exports = [e for e in handler.dynamodb_backend.table_exports.values()
               if not table_arn or e.table.table_arn == table_arn]
    page = exports[start:start + page_size]
    result = {"ExportSummaries": [
        {"ExportArn": e.arn, "ExportStatus": e.status, "ExportType": e.export_type}
        for e in page
    ]}
    if start + page_size < len(exports):
        result["NextToken"] = str(start + page_size)
    return ActionResult(result)


DynamoHandler.list_exports = _list_exports

# ---------------------------------------------------------------------------
# Patch 5: DynamoDB backups and restores (point in time included), AWS Backup for
# DynamoDB tables and its account settings, Organizations invitations (so that the
# two accounts can share an organization), and the concurrency quotas of exports and
# imports with a statistics file of calls and running jobs (job_limits.py). Each module
# says what moto lacks and what it does instead.
# ---------------------------------------------------------------------------
import dynamodb_restores  # noqa: E402
import backup_emulation  # noqa: E402
import backup_settings  # noqa: E402
import organizations_emulation  # noqa: E402
import job_limits  # noqa: E402
import write_history  # noqa: E402
import kinesis_destinations  # noqa: E402

dynamodb_restores.install()
backup_emulation.install()
backup_settings.install()
organizations_emulation.install()
# After dynamodb_restores (it wraps its PITR calls and writes), before job_limits (whose
# quota guard wraps the export handler installed here).
write_history.install()
kinesis_destinations.install()
job_limits.install()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    log.info("moto %s on %s:%d; export delay %.1fs, import delay %.1fs, real layout %s (%d data files)",
             moto.__version__, args.host, args.port, EXPORT_DELAY_S, IMPORT_DELAY_S,
             "on" if REAL_LAYOUT else "off", DATA_FILES)
    log.info("backup job %.1fs, copy job %.1fs, restore %.1fs, restore drops index: %s",
             backup_emulation.BACKUP_JOB_S, backup_emulation.COPY_JOB_S, dynamodb_restores.RESTORE_JOB_S,
             dynamodb_restores.DROP_INDEX or "none")
    log.info("export limit %s, import limit %s, first %d start calls of each refused, stats file %s",
             job_limits.EXPORT_LIMIT or "none", job_limits.IMPORT_LIMIT or "none",
             job_limits.LIMIT_EXCEEDED_FIRST, job_limits.STATS_FILE or "none")
    log.info("restorable lag %.1fs, min incremental window %.1fs; unprocessed share %g, throttle share %g, "
             "fault seed %d, fault tables %s", write_history.RESTORABLE_LAG_S, write_history.MIN_WINDOW_S,
             write_history.UNPROCESSED_SHARE, write_history.THROTTLE_SHARE, write_history.FAULT_SEED,
             ",".join(sorted(write_history.FAULT_TABLES)) or "all")
    moto.server.main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
