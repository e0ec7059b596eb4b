"""Write history of every DynamoDB table, point-in-time and incremental exports, the PITR
window, and write faults (throttling, unprocessed items), on top of moto 5.2.5.

Imported by launcher.py (after dynamodb_restores.py, before job_limits.py, whose quota
guard must wrap the export handler installed here), which calls install(). What moto
lacks, and what this module does instead:

- moto keeps only the current items. A full export snapshots them whenever its thread
  runs, so writes made while an export starts land in it or not by chance, and
  ExportTime is ignored; ExportType is ignored too (no incremental export). Here every
  write to every table is recorded with its time, its new image (None for a delete) and
  its old image. The record is made at the lowest level every write goes through:
  moto's Table.put_item and Table.delete_item (PutItem, BatchWriteItem, PartiQL, the
  Put/Delete of TransactWriteItems, ImportTable's items) and DynamoDBBackend.update_item
  (UpdateItem, the Update of transactions: one change per call with the final image, not
  moto's intermediate key-only put). TransactWriteItems buffers its changes and records
  them only if the transaction commits (moto rolls a failed one back by swapping in deep
  copies of the tables). Items a restore loads (dynamodb_restores.start_restore) are
  recorded as puts. A write that fails (a condition, a validation) records nothing.
- Times are microseconds since the epoch from one clock (_tick): the wall clock, forced
  strictly increasing under one lock that is held for the whole write, so two writes
  never share a time and the history's order is the order the table saw. A transaction's
  changes get consecutive times.
- A full export (no ExportType or FULL_EXPORT) writes the table as it was at its
  ExportTime: the items replayed from the history, every change before that instant and
  none at or after it (so an incremental export from the same instant starts exactly
  where the full export ends). Without ExportTime in the request the export time is the
  next whole millisecond (whole, so that the millisecond-precision timestamps of the API
  and of manifest-summary.json carry it exactly); no write gets that time.
- Incremental exports (ExportType INCREMENTAL_EXPORT) write, in AWS's layout, one change
  record per key changed in [ExportFromTime, ExportToTime): the last change of the
  window, with its WriteTimestampMicros, Keys, NewImage (absent for a delete) and, with
  NEW_AND_OLD_IMAGES, OldImage = the item before the window's first change (absent if it
  did not exist). A key created and deleted inside the window is left out, as AWS's
  docs say. The launcher writes the files (_write_incremental).
- PITR window: EarliestRestorableDateTime is when PITR was last turned on (off and on
  again resets it, as AWS does); LatestRestorableDateTime is now minus
  FERRY_EMU_RESTORABLE_LAG_S (never before the earliest). Export times outside it are
  refused with InvalidExportTimeException, a window shorter than
  FERRY_EMU_MIN_INCREMENTAL_WINDOW_S or longer than 24 hours, or ending before it begins,
  with ValidationException.
- moto never throttles and never leaves items unprocessed. FERRY_EMU_THROTTLE_SHARE and
  FERRY_EMU_UNPROCESSED_SHARE make it, for the tables of FERRY_EMU_FAULT_TABLES, with a
  random generator seeded by FERRY_EMU_FAULT_SEED; job_limits.py counts them in its stats
  file.

Memory: the history is a Python list per table (and table generation) holding two JSON
images per write, for as long as the emulator runs; a deleted table's history is dropped
when a table of that name is written again. Fine for tests (thousands of writes), not for
a load test of millions.

Knobs (read once at start, through knobs.py: a bad value stops the launcher):
    FERRY_EMU_RESTORABLE_LAG_S          float seconds, default 300
    FERRY_EMU_MIN_INCREMENTAL_WINDOW_S  float seconds, default 900
    FERRY_EMU_UNPROCESSED_SHARE         float 0..1, default 0
    FERRY_EMU_THROTTLE_SHARE            float 0..1, default 0
    FERRY_EMU_FAULT_SEED                int, default 0
    FERRY_EMU_FAULT_TABLES              comma-separated table names, default all tables
"""

import bisect
import copy
import json
import logging
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

from knobs import env_float, env_int, env_str

RESTORABLE_LAG_S = env_float("FERRY_EMU_RESTORABLE_LAG_S", 300.0)
MIN_WINDOW_S = env_float("FERRY_EMU_MIN_INCREMENTAL_WINDOW_S", 900.0)
MAX_WINDOW_S = 24 * 3600.0
UNPROCESSED_SHARE = env_float("FERRY_EMU_UNPROCESSED_SHARE", 0.0)
THROTTLE_SHARE = env_float("FERRY_EMU_THROTTLE_SHARE", 0.0)
FAULT_SEED = env_int("FERRY_EMU_FAULT_SEED", 0)
FAULT_TABLES = frozenset(t.strip() for t in env_str("FERRY_EMU_FAULT_TABLES").split(",") if t.strip())
for _name, _share in (("FERRY_EMU_UNPROCESSED_SHARE", UNPROCESSED_SHARE),
                      ("FERRY_EMU_THROTTLE_SHARE", THROTTLE_SHARE)):
    if _share > 1:
        sys.exit(f"launcher: {_name} must be between 0 and 1")

from moto.core.responses import ActionResult  # noqa: E402
from moto.dynamodb.exceptions import (  # noqa: E402
    ERROR_TYPE_PREFIX,
    DynamodbException,
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    TableNotFoundException,
)
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.models.table_export import TableExport  # noqa: E402
from moto.dynamodb.models.utilities import dynamo_json_dump  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402

import job_limits  # noqa: E402

log = logging.getLogger("ferry-emu.history")

FULL, INCREMENTAL = "FULL_EXPORT", "INCREMENTAL_EXPORT"
VIEWS = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE")


class InvalidExportTimeException(DynamodbException):
    error_type = ERROR_TYPE_PREFIX + "InvalidExportTimeException"

    def __init__(self, message: str):
        super().__init__(InvalidExportTimeException.error_type, message=message)


class ProvisionedThroughputExceededException(DynamodbException):
    error_type = ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException"

    def __init__(self):
        super().__init__(ProvisionedThroughputExceededException.error_type, message=(
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API."))


# ---------------------------------------------------------------------------
# The clock and the lock. Every recorded write holds _lock from before moto reads the
# item until its change is in the history, so the history's order is the table's.
# ---------------------------------------------------------------------------
_lock = threading.RLock()
_last_us = 0
_US = timedelta(microseconds=1)


def _tick() -> int:
    """A time no write had: the wall clock in microseconds, forced strictly increasing."""
    global _last_us
    with _lock:
        _last_us = max(time.time_ns() // 1000, _last_us + 1)
        return _last_us


def _cut() -> int:
    """The next whole millisecond after every recorded write; later writes come after it."""
    global _last_us
    with _lock:
        at = max(time.time_ns() // 1000, _last_us + 1)
        at = -(-at // 1000) * 1000
        _last_us = at
        return at


def now_us() -> int:
    return time.time_ns() // 1000


def to_us(value) -> int:
    """A request timestamp (datetime, epoch seconds as number or text, ISO 8601) in µs."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (value - datetime(1970, 1, 1, tzinfo=timezone.utc)) // _US
    try:
        return round(float(value) * 1_000_000)
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return to_us(parsed)


def utc(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + us * _US


def _iso(us: int) -> str:
    return utc(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")




# ---------------------------------------------------------------------------
# Histories, one per table ARN and generation.
# ---------------------------------------------------------------------------
def image(item) -> dict | None:
    """An item as DynamoDB JSON, exactly as a full export line writes it (B as base64):
    a copy that later in-place updates of moto's item cannot change."""
    if item is None:
        return None
    return json.loads(dynamo_json_dump(item.to_json()["Attributes"]))


class Change:
    __slots__ = ("ts", "key", "keys", "old", "new")

    def __init__(self, ts: int, key: tuple, keys: dict, old: dict | None, new: dict | None):
        self.ts, self.key, self.keys, self.old, self.new = ts, key, keys, old, new


class History:
    """The items a table had when its history began (empty for a table written only
    through the emulator) and every change since, in time order."""

    def __init__(self, table: Table, generation: int):
        self.arn = table.table_arn
        self.generation = generation
        self.hash_attr, self.range_attr = table.hash_key_attr, table.range_key_attr
        self.since = now_us()
        self.baseline: dict = {}
        for item in table.all_items():
            self.baseline[(item.hash_key, item.range_key)] = image(item)
        self.changes: list[Change] = []
        self.pitr_on_us: int | None = None

    def keys_of(self, img: dict) -> dict:
        keys = {self.hash_attr: img[self.hash_attr]}
        if self.range_attr:
            keys[self.range_attr] = img[self.range_attr]
        return keys

    def snapshot(self, before_us: int) -> list[Change]:
        with _lock:
            changes = self.changes
            return changes[:bisect.bisect_left(changes, before_us, key=lambda c: c.ts)]

    def items_at(self, at_us: int) -> list[dict]:
        """The table's items just before at_us: every change before it, none at or after."""
        state = dict(self.baseline)
        for change in self.snapshot(at_us):
            if change.new is None:
                state.pop(change.key, None)
            else:
                state[change.key] = change.new
        return list(state.values())

    def window(self, from_us: int, to_us_: int, view: str) -> list[dict]:
        """Incremental export records of [from_us, to_us_), compacted per key."""
        with _lock:
            changes = self.changes
            lo = bisect.bisect_left(changes, from_us, key=lambda c: c.ts)
            hi = bisect.bisect_left(changes, to_us_, key=lambda c: c.ts)
            inside = changes[lo:hi]
        first_old: dict = {}
        last: dict = {}
        for change in inside:
            first_old.setdefault(change.key, change.old)
            last[change.key] = change
        records = []
        for key, change in last.items():
            old = first_old[key]
            if old is None and change.new is None:
                continue  # created and deleted inside the window: AWS exports nothing
            record = {"Metadata": {"WriteTimestampMicros": {"N": str(change.ts)}}, "Keys": change.keys}
            if view == "NEW_AND_OLD_IMAGES" and old is not None:
                record["OldImage"] = old
            if change.new is not None:
                record["NewImage"] = change.new
            records.append(record)
        return records


_histories: dict[str, History] = {}
_generations = 0


def history(table: Table) -> History:
    """The table's history; a new one for a table this ARN did not have before (created
    again after a delete, made by a restore, or after a moto reset). moto's transaction
    rollback swaps in a deep copy of the table, which keeps the generation attribute and
    so the history."""
    global _generations
    with _lock:
        h = _histories.get(table.table_arn)
        if h is None or getattr(table, "_emu_history_generation", None) != h.generation:
            _generations += 1
            h = History(table, _generations)
            table._emu_history_generation = h.generation
            _histories[table.table_arn] = h
        return h


class _Scope(threading.local):
    def __init__(self):
        self.quiet = 0  # inside update_item: moto's own put_item is not a change of its own
        self.transaction = None  # inside TransactWriteItems: changes wait for the commit


_scope = _Scope()


def _record(table: Table, key: tuple, old: dict | None, new: dict | None) -> None:
    if _scope.quiet:
        return
    if _scope.transaction is not None:
        _scope.transaction.append((table, key, old, new))
        return
    h = history(table)
    h.changes.append(Change(_tick(), key, h.keys_of(new if new is not None else old), old, new))


def load_items(table: Table, nested_items) -> None:
    """A restore's items arrive all at once (dynamodb_restores.start_restore): each is
    recorded as a put, then the table gets them."""
    with _lock:
        history(table)
        table.items = nested_items
        for item in table.all_items():
            _record(table, (item.hash_key, item.range_key), None, image(item))


# ---------------------------------------------------------------------------
# The write paths.
# ---------------------------------------------------------------------------
# moto's methods as they are when install() runs (dynamodb_restores.py's wrappers included).
_put_before = _delete_before = _update_before = _transact_before = None


def _current(table: Table, item_attrs: dict):
    try:
        hash_value = DynamoType(item_attrs[table.hash_key_attr])
        range_value = DynamoType(item_attrs[table.range_key_attr]) if table.range_key_attr else None
        return table.get_item(hash_value, range_value)
    except Exception:
        return None  # moto's put_item refuses such an item itself


def _put_item(self, item_attrs, *args, **kwargs):
    with _lock:
        old = image(_current(self, item_attrs))
        item = _put_before(self, item_attrs, *args, **kwargs)
        _record(self, (item.hash_key, item.range_key), old, image(item))
        return item


def _delete_item(self, hash_key, range_key):
    with _lock:
        item = _delete_before(self, hash_key, range_key)
        if item is not None:
            _record(self, (hash_key, range_key), image(item), None)
        return item


def _update_key(table: Table, key) -> tuple | None:
    """moto's reading of UpdateItem's Key (DynamoDBBackend.update_item)."""
    try:
        if table.hash_key_attr in key:
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            return DynamoType(key[table.hash_key_attr]), range_value
        return DynamoType(key), None
    except Exception:
        return None


def _item_at(table: Table, key: tuple | None):
    if key is None:
        return None
    try:
        return table.get_item(*key)
    except Exception:
        return None


def _update_item(self, table_name, key, *args, **kwargs):
    """One change per UpdateItem: the item before and after. moto first puts a key-only
    item for a new key, then changes the stored item in place; the inner put is not a
    change of its own. A refused update changes nothing; should moto have left a change
    behind all the same (an item created before a failing expression), it is recorded."""
    with _lock:
        table = self.get_table(table_name)
        item_key = _update_key(table, key)
        before = image(_item_at(table, item_key))
        ok = False
        _scope.quiet += 1
        try:
            item = _update_before(self, table_name, key, *args, **kwargs)
            ok = True
        finally:
            _scope.quiet -= 1
            after = image(_item_at(table, item_key))
            if item_key is not None and (ok or after != before):
                _record(table, item_key, before, after)
        return item


def _transact_write_items(self, transact_items):
    """Changes of a transaction are recorded when it commits, none when moto rolls it back."""
    with _lock:
        outer = _scope.transaction
        _scope.transaction = []
        try:
            result = _transact_before(self, transact_items)
            pending = _scope.transaction
        finally:
            _scope.transaction = outer
        for table, key, old, new in pending:
            # The live table (the same object when the transaction committed).
            _record(self.tables.get(table.name, table), key, old, new)
        return result


# ---------------------------------------------------------------------------
# The PITR window.
# ---------------------------------------------------------------------------
_continuous_before = None
_describe_continuous_before = None


def _pitr_on(table: Table) -> bool:
    return table.continuous_backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def _update_continuous_backups(self, table_name, point_in_time_spec):
    """The window starts when PITR goes from off to on (again)."""
    with _lock:
        try:
            was_on = _pitr_on(self.get_table(table_name))
        except Exception:
            was_on = False
        result = _continuous_before(self, table_name, point_in_time_spec)
        table = self.get_table(table_name)
        h = history(table)
        if _pitr_on(table) and not was_on:
            h.pitr_on_us = _cut()
            table.continuous_backups["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"] = \
                h.pitr_on_us / 1e6
        elif not _pitr_on(table):
            h.pitr_on_us = None
        return result


def pitr_window(table: Table) -> tuple[int, int] | None:
    """(earliest, latest) restorable times in µs, or None with PITR off."""
    if not _pitr_on(table):
        return None
    h = history(table)
    if h.pitr_on_us is None:  # turned on some other way (e.g. CloudFormation)
        earliest = to_us(table.continuous_backups["PointInTimeRecoveryDescription"]
                         .get("EarliestRestorableDateTime", time.time()))
        h.pitr_on_us = earliest
    earliest = h.pitr_on_us
    latest = max(earliest, (now_us() - round(RESTORABLE_LAG_S * 1e6)) // 1000 * 1000)
    return earliest, latest


def _describe_continuous_backups(self, table_name):
    result = copy.deepcopy(_describe_continuous_before(self, table_name))
    window = pitr_window(self.get_table(table_name))
    if window:
        pitr = result["PointInTimeRecoveryDescription"]
        pitr["EarliestRestorableDateTime"] = window[0] / 1e6
        pitr["LatestRestorableDateTime"] = window[1] / 1e6
    return result


# ---------------------------------------------------------------------------
# ExportTableToPointInTime.
# ---------------------------------------------------------------------------
def _window_text(earliest: int, latest: int) -> str:
    return f"{_iso(earliest)} to {_iso(latest)}"


def export_table_to_point_in_time(handler: DynamoHandler):
    body = handler.body
    backend = handler.dynamodb_backend
    table_arn = body["TableArn"]
    s3_bucket = body["S3Bucket"]
    s3_prefix = body["S3Prefix"]  # moto requires it (HTTP 500 without it; see tests/README.md)
    export_type = body.get("ExportType") or FULL
    export_format = body.get("ExportFormat", "DYNAMO_JSON")
    if export_type not in (FULL, INCREMENTAL):
        raise MockValidationException(
            f"1 validation error detected: Value '{export_type}' at 'exportType' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{FULL}, {INCREMENTAL}]")
    table = next((t for t in list(backend.tables.values()) if t.table_arn == table_arn), None)
    if table is None:
        raise TableNotFoundException(name=table_arn)
    with _lock:
        window = pitr_window(table)
        if window is None:
            raise PointInTimeRecoveryUnavailable(name=table_arn.split("/")[-1])
        earliest, latest = window
        h = history(table)
        incremental = None
        if export_type == FULL:
            if body.get("IncrementalExportSpecification"):
                raise MockValidationException("IncrementalExportSpecification is only valid with ExportType INCREMENTAL_EXPORT")
            if body.get("ExportTime") is not None:
                at = to_us(body["ExportTime"])
                if at < earliest or at > latest:
                    raise InvalidExportTimeException(
                        f"ExportTime {_iso(at)} is outside the table's point-in-time recovery window "
                        f"{_window_text(earliest, latest)}")
            else:
                at = _cut()
        else:
            if body.get("ExportTime") is not None:
                raise MockValidationException("ExportTime is not valid with ExportType INCREMENTAL_EXPORT; "
                                              "use IncrementalExportSpecification")
            if export_format not in ("DYNAMO_JSON", "DYNAMODB_JSON"):
                raise MockValidationException(f"ExportFormat {export_format} is not emulated for incremental exports")
            spec = body.get("IncrementalExportSpecification") or {}
            if spec.get("ExportFromTime") is None:
                raise MockValidationException("IncrementalExportSpecification.ExportFromTime is required "
                                              "for an incremental export")
            frm = to_us(spec["ExportFromTime"])
            to = to_us(spec["ExportToTime"]) if spec.get("ExportToTime") is not None else latest
            view = spec.get("ExportViewType") or "NEW_AND_OLD_IMAGES"
            if view not in VIEWS:
                raise MockValidationException(
                    f"1 validation error detected: Value '{view}' at 'incrementalExportSpecification.exportViewType' "
                    f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(VIEWS)}]")
            # The request's own shape first, then the table's window.
            if frm >= to:
                raise MockValidationException(
                    f"ExportFromTime {_iso(frm)} must be before ExportToTime {_iso(to)}")
            length_s = (to - frm) / 1e6
            if length_s < MIN_WINDOW_S or length_s > MAX_WINDOW_S:
                raise MockValidationException(
                    f"The incremental export period from ExportFromTime to ExportToTime must be between "
                    f"{MIN_WINDOW_S / 60:g} minutes and 24 hours (it is {length_s:.3f} seconds)")
            if frm < earliest:
                raise InvalidExportTimeException(
                    f"ExportFromTime {_iso(frm)} is before the earliest restorable time; the table's "
                    f"point-in-time recovery window is {_window_text(earliest, latest)}")
            if to > latest:
                raise InvalidExportTimeException(
                    f"ExportToTime {_iso(to)} is after the latest restorable time; the table's "
                    f"point-in-time recovery window is {_window_text(earliest, latest)}")
            at = to
            incremental = {"from": frm, "to": to, "view": view}

    job = TableExport(
        s3_bucket=s3_bucket, s3_prefix=s3_prefix, region_name=backend.region_name,
        account_id=body.get("S3BucketOwner") or backend.account_id, table=table,
        export_format=export_format, export_type=export_type,
    )
    job._emu_history = h
    job._emu_export_time_us = at
    job._emu_incremental = incremental
    if export_type == FULL and body.get("ExportTime") is None:
        job._emu_start = utc(at)  # an export of "now": StartTime and ExportTime agree, as in AWS
    backend.table_exports[job.arn] = job
    job.start()
    return ActionResult({"ExportDescription": job.response()})


def full_export_lines(job) -> list[str] | None:
    """The lines of a full export: the table at the export's time, as moto writes lines."""
    h = getattr(job, "_emu_history", None)
    if h is None:
        return None
    return [dynamo_json_dump({"Item": img}) for img in h.items_at(job._emu_export_time_us)]


def incremental_lines(job) -> list[str]:
    inc = job._emu_incremental
    return [dynamo_json_dump(r) for r in job._emu_history.window(inc["from"], inc["to"], inc["view"])]


# ---------------------------------------------------------------------------
# Write faults.
# ---------------------------------------------------------------------------
_rng = random.Random(FAULT_SEED)
_rng_lock = threading.Lock()


def _faulty(table_ref: str) -> bool:
    name = table_ref.split(":table/", 1)[-1] if table_ref.startswith("arn:") else table_ref
    return not FAULT_TABLES or name in FAULT_TABLES


def _count(handler, what: str, n: int) -> None:
    if n:
        job_limits.count_write_fault(handler.current_account, what, n)


def _throttled(handler, tables: list[str]) -> None:
    if THROTTLE_SHARE <= 0 or not any(_faulty(t) for t in tables):
        return
    with _rng_lock:
        hit = _rng.random() < THROTTLE_SHARE
    if hit:
        _count(handler, "throttled", 1)
        log.info("%s: ProvisionedThroughputExceededException (FERRY_EMU_THROTTLE_SHARE)", handler._get_action())
        raise ProvisionedThroughputExceededException()


def _throttling(orig):
    def call(self):
        _throttled(self, [self.body.get("TableName") or ""])
        return orig(self)

    return call


def _batch_write_item(orig):
    def call(self):
        requests = self.body.get("RequestItems") or {}
        _throttled(self, list(requests))
        if UNPROCESSED_SHARE <= 0:
            return orig(self)
        kept, unprocessed, n = {}, {}, 0
        with _rng_lock:
            for table_ref, table_requests in requests.items():
                if not _faulty(table_ref):
                    kept[table_ref] = table_requests
                    continue
                # That share of the table's requests, rounded at random (so 0.3 of one
                # request leaves it unprocessed 3 times in 10): retries always end.
                exact = UNPROCESSED_SHARE * len(table_requests)
                k = int(exact) + (1 if _rng.random() < exact - int(exact) else 0)
                left = set(_rng.sample(range(len(table_requests)), min(k, len(table_requests))))
                kept_here = [r for i, r in enumerate(table_requests) if i not in left]
                if kept_here:
                    kept[table_ref] = kept_here
                if left:
                    unprocessed[table_ref] = [r for i, r in enumerate(table_requests) if i in left]
                    n += len(left)
        self.body["RequestItems"] = kept
        result = orig(self) if kept else ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {},
                                                      "UnprocessedItems": {}})
        result.result["UnprocessedItems"] = unprocessed
        _count(self, "unprocessed_items", n)
        return result

    return call


def install() -> None:
    global _put_before, _delete_before, _update_before, _transact_before
    global _continuous_before, _describe_continuous_before
    _put_before, _delete_before = Table.put_item, Table.delete_item
    _update_before, _transact_before = DynamoDBBackend.update_item, DynamoDBBackend.transact_write_items
    Table.put_item = _put_item
    Table.delete_item = _delete_item
    DynamoDBBackend.update_item = _update_item
    DynamoDBBackend.transact_write_items = _transact_write_items
    # After dynamodb_restores.install(), whose PITR wrappers these wrap.
    _continuous_before = DynamoDBBackend.update_continuous_backups
    _describe_continuous_before = DynamoDBBackend.describe_continuous_backups
    DynamoDBBackend.update_continuous_backups = _update_continuous_backups
    DynamoDBBackend.describe_continuous_backups = _describe_continuous_backups
    DynamoHandler.export_table_to_point_in_time = export_table_to_point_in_time
    for action in ("put_item", "delete_item", "update_item"):
        setattr(DynamoHandler, action, _throttling(getattr(DynamoHandler, action)))
    DynamoHandler.batch_write_item = _batch_write_item(DynamoHandler.batch_write_item)
    if THROTTLE_SHARE > 0 or UNPROCESSED_SHARE > 0:
        job_limits.enable_write_faults()
