"""DynamoDB backups and restores as real AWS does them, on top of moto 5.2.5.

Imported by launcher.py (after its own patches), which calls install(). What moto
gets wrong, and what this module does instead:

- RestoreTableToPointInTime copies the source table as it is *now*: RestoreDateTime,
  UseLatestRestorableTime and every *Override are ignored. Here each table with PITR
  on keeps a history of its item writes (PutItem, UpdateItem, DeleteItem,
  BatchWriteItem, transactions, imports: everything that goes through moto's Table
  put/delete or the backend's update), so the table is rebuilt as it was at the
  requested time, with the overrides applied.
- Both restores are instant in moto and lose the billing mode, encryption and tags
  of the source. Here the new table is CREATING (empty, RestoreInProgress true) for
  FERRY_EMU_RESTORE_JOB_S seconds, then ACTIVE with every item, and keeps the key
  schema, attribute definitions, LSIs, GSIs, billing mode and SSE of the source.
- DescribeBackup lacks SourceTableFeatureDetails (indexes, SSE) and BillingMode, and
  every backup weighs 123 bytes. Here they are filled in; sizes are approximate.

The table snapshot and the restore builder are shared with backup_emulation.py, whose
AWS Backup recovery points hold the same kind of snapshot.

Knobs:
    FERRY_EMU_RESTORE_JOB_S        float, default 3: how long a restored table stays
                                   CREATING (also the length of AWS Backup restore jobs).
    FERRY_EMU_RESTORE_DROP_INDEX   index name: every restore silently leaves out the
                                   LSI or GSI of that name (a fault for Verify to catch).
"""

import copy
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from knobs import env_float, env_str

RESTORE_JOB_S = env_float("FERRY_EMU_RESTORE_JOB_S", 3.0)
DROP_INDEX = env_str("FERRY_EMU_RESTORE_DROP_INDEX")

from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.dynamodb.exceptions import (  # noqa: E402
    ERROR_TYPE_PREFIX,
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    SourceTableNotFoundException,
    TableAlreadyExistsException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends  # noqa: E402
from moto.dynamodb.models.table import Backup, Table  # noqa: E402
from moto.dynamodb.models.utilities import dynamo_json_dump  # noqa: E402
from moto.dynamodb.responses import DynamoHandler, DynamoResult  # noqa: E402

log = logging.getLogger("ferry-emu.restore")


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def after(delay_s: float, what: str, fn: Callable[[], None]) -> None:
    """Run fn in a daemon thread after delay_s; a crash is logged, never silent.

    Daemon, so that a job still waiting out its delay does not keep the server alive
    on SIGTERM (same reason as the export/import threads of the launcher)."""

    def run() -> None:
        time.sleep(delay_s)
        try:
            fn()
        except Exception:
            log.exception("%s crashed", what)

    threading.Thread(target=run, name=what, daemon=True).start()


class InvalidRestoreTimeException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__(ERROR_TYPE_PREFIX + "InvalidRestoreTimeException", message)


class KmsKeyNotUsable(Exception):
    """A KMS key reference that names no key of the account and region that need it."""


# ---------------------------------------------------------------------------
# Items: moto keeps them as items[hash] (no sort key) or items[hash][range].
# A flat {(hash, range): Item} map is easier to copy, replay and measure.
# ---------------------------------------------------------------------------
def flat_items(table: Table) -> dict:
    if table.has_range_key:
        return {(h, r): item for h, by_range in list(table.items.items()) for r, item in list(by_range.items())}
    return {(h, None): item for h, item in list(table.items.items())}


def nested_items(flat: dict, has_range_key: bool) -> defaultdict:
    """moto's layout, with copies: a restored table must not share items with its source."""
    nested: defaultdict = defaultdict(dict)
    for (h, r), item in flat.items():
        if has_range_key:
            nested[h][r] = copy.deepcopy(item)
        else:
            nested[h] = copy.deepcopy(item)
    return nested


def item_key(item) -> tuple:
    return (item.hash_key, item.range_key)


def approx_size(items: dict) -> int:
    """Bytes of the items as DynamoDB JSON: a stand-in for AWS's billed backup size."""
    return sum(len(dynamo_json_dump(item.to_json()["Attributes"])) for item in items.values())


# ---------------------------------------------------------------------------
# A table's schema, settings and items at one moment: what a backup holds.
# ---------------------------------------------------------------------------
@dataclass
class TableSnapshot:
    table_name: str
    table_arn: str
    key_schema: list
    attribute_definitions: list
    billing_mode: str
    throughput: dict
    lsis: list
    gsis: list
    sse: dict | None
    tags: list
    items: dict = field(repr=False)
    taken_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def of_table(cls, table: Table, items: dict | None = None, at: datetime | None = None) -> "TableSnapshot":
        """Copy everything a restore needs; `items` (a flat map) replaces the table's
        current items for a point-in-time snapshot."""
        throughput = {k: v for k, v in table.throughput.items() if k in ("ReadCapacityUnits", "WriteCapacityUnits")}
        gsis = []
        for index in table.global_indexes:
            gsi = {"IndexName": index.name, "KeySchema": index.schema, "Projection": index.projection}
            if table.billing_mode != "PAY_PER_REQUEST":
                gsi["ProvisionedThroughput"] = {k: v for k, v in index.throughput.items()
                                                if k in ("ReadCapacityUnits", "WriteCapacityUnits")}
            gsis.append(gsi)
        lsis = [{"IndexName": i.name, "KeySchema": i.schema, "Projection": i.projection} for i in table.indexes]
        sse = table.sse_specification if (table.sse_specification or {}).get("Enabled") else None
        snapshot_items = items if items is not None else flat_items(table)
        return cls(
            table_name=table.name, table_arn=table.table_arn,
            key_schema=copy.deepcopy(table.schema), attribute_definitions=copy.deepcopy(table.attr),
            billing_mode=table.billing_mode or "PROVISIONED", throughput=throughput,
            lsis=copy.deepcopy(lsis), gsis=copy.deepcopy(gsis), sse=copy.deepcopy(sse),
            tags=copy.deepcopy(table.tags or []),
            items={k: copy.deepcopy(v) for k, v in snapshot_items.items()},
            taken_at=at or datetime.now(timezone.utc),
        )

    @property
    def size_bytes(self) -> int:
        return approx_size(self.items)

    @property
    def encryption_type(self) -> str:
        """AWS Backup's word for the table's encryption: Default (AWS owned key) or KMS."""
        return "KMS" if self.sse else "Default"

    @property
    def kms_key_arn(self) -> str | None:
        return (self.sse or {}).get("KMSMasterKeyId")


# ---------------------------------------------------------------------------
# KMS keys named by restores (SSESpecificationOverride, kmsMasterKeyArn).
# ---------------------------------------------------------------------------
def resolve_kms_key(account_id: str, region: str, key_ref: str) -> str:
    """The ARN of the key that `key_ref` (id, ARN, alias or alias ARN) names in this
    account and region. Real AWS can use a key of another account when its key policy
    allows it; the emulator has no key policies, so such a key is refused."""
    from moto.kms.models import kms_backends

    if key_ref.startswith("arn:"):
        parts = key_ref.split(":", 5)
        if len(parts) < 6 or parts[2] != "kms" or parts[3] != region or parts[4] != account_id:
            raise KmsKeyNotUsable(f"{key_ref} is not a KMS key of account {account_id} in {region}")
    try:
        return kms_backends[account_id][region].describe_key(key_ref).arn
    except Exception:
        raise KmsKeyNotUsable(f"KMS key {key_ref} does not exist in account {account_id} ({region})")


def sse_from_override(account_id: str, region: str, override: dict) -> dict | None:
    """SSESpecificationOverride → moto's sse_specification; a key that is not there is
    refused before any table exists, as DynamoDB validates it up front."""
    if not override.get("Enabled"):
        return None
    key_ref = override.get("KMSMasterKeyId")
    sse = {"Enabled": True, "SSEType": override.get("SSEType") or "KMS"}
    if key_ref:
        try:
            sse["KMSMasterKeyId"] = resolve_kms_key(account_id, region, key_ref)
        except KmsKeyNotUsable as exc:
            raise MockValidationException(str(exc))
    return sse


# ---------------------------------------------------------------------------
# Building the restored table.
# ---------------------------------------------------------------------------
@dataclass
class RestoreSettings:
    """What the caller chose for the new table; None keeps the snapshot's value.

    `sse` is a ready moto sse_specification; `sse_given` tells "keep the source's"
    (False) from "use this, even None = AWS owned key" (True)."""

    billing_mode: str | None = None
    throughput: dict | None = None
    gsis: list | None = None
    lsis: list | None = None
    sse: dict | None = None
    sse_given: bool = False
    copy_tags: bool = False


def _without_dropped_index(indexes: list) -> list:
    """FERRY_EMU_RESTORE_DROP_INDEX: a restore that silently loses an index, so that
    the product's verification is tested against a restore that went wrong."""
    if not DROP_INDEX:
        return indexes
    kept = [i for i in indexes if i["IndexName"] != DROP_INDEX]
    if len(kept) != len(indexes):
        log.warning("FERRY_EMU_RESTORE_DROP_INDEX: index %s left out of the restored table", DROP_INDEX)
    return kept


def _new_table(backend: DynamoDBBackend, name: str, snap: TableSnapshot, settings: RestoreSettings) -> Table:
    billing_mode = settings.billing_mode or snap.billing_mode
    throughput = None if billing_mode == "PAY_PER_REQUEST" else (settings.throughput or snap.throughput or None)
    gsis = copy.deepcopy(settings.gsis if settings.gsis is not None else snap.gsis)
    lsis = copy.deepcopy(settings.lsis if settings.lsis is not None else snap.lsis)
    if billing_mode == "PAY_PER_REQUEST":
        for gsi in gsis:
            gsi.pop("ProvisionedThroughput", None)
    sse = settings.sse if settings.sse_given else snap.sse
    return Table(
        name, account_id=backend.account_id, region=backend.region_name,
        schema=copy.deepcopy(snap.key_schema), attr=copy.deepcopy(snap.attribute_definitions),
        throughput=copy.deepcopy(throughput), billing_mode=billing_mode,
        indexes=_without_dropped_index(lsis), global_indexes=_without_dropped_index(gsis),
        streams=None, sse_specification=copy.deepcopy(sse),
        tags=copy.deepcopy(snap.tags) if settings.copy_tags else [],
    )


def start_restore(backend: DynamoDBBackend, name: str, snap: TableSnapshot, settings: RestoreSettings,
                  summary: dict, delay_s: float = RESTORE_JOB_S,
                  on_done: Callable[[Table], None] | None = None) -> Table:
    """Create table `name` from a snapshot the way AWS restores do: the table exists at
    once, CREATING and empty (RestoreInProgress true), and gets every item when it
    turns ACTIVE after delay_s. Raises TableAlreadyExistsException first."""
    if name in backend.tables:
        raise TableAlreadyExistsException(name)
    table = _new_table(backend, name, snap, settings)
    table._emu_creating = True
    table._emu_restore_summary = dict(summary)
    backend.tables[name] = table
    items = nested_items(snap.items, table.has_range_key)

    def finish() -> None:
        # The items arrive as writes of the new table's history (write_history.py), so
        # that its exports and point in time see them.
        import write_history

        write_history.load_items(table, items)
        table._emu_creating = False
        if on_done:
            on_done(table)

    after(delay_s, f"restore of {name}", finish)
    return table


_describe_before = Table.describe


def _table_describe(self, base_key="TableDescription"):
    """Tables restored here show their RestoreSummary, in progress while CREATING."""
    result = _describe_before(self, base_key)
    summary = getattr(self, "_emu_restore_summary", None)
    if summary:
        in_progress = bool(getattr(self, "_emu_creating", False))
        result[base_key]["RestoreSummary"] = dict(summary, RestoreInProgress=in_progress)
    return result


# ---------------------------------------------------------------------------
# Item-write history of tables with PITR on.
# ---------------------------------------------------------------------------
class WriteHistory:
    """The items a table had when PITR was turned on, and every write since, each with
    its time: enough to rebuild the table as it was at any moment of the PITR window."""

    def __init__(self, table: Table):
        self.since = time.time()
        self.baseline = {k: copy.deepcopy(v) for k, v in flat_items(table).items()}
        self.writes: list = []  # (unix time, key, Item copy or None for a delete)

    def __deepcopy__(self, memo: dict) -> "WriteHistory":
        """moto deep-copies whole tables (CreateBackup; every TransactWriteItems, to roll
        back). The recorded items are copies nobody changes, so sharing them keeps
        those copies cheap and still gives a rolled-back table the history it had."""
        clone = WriteHistory.__new__(WriteHistory)
        clone.since, clone.baseline, clone.writes = self.since, dict(self.baseline), list(self.writes)
        return clone

    def record(self, key: tuple, item) -> None:
        self.writes.append((time.time(), key, copy.deepcopy(item) if item is not None else None))

    def items_at(self, when: float) -> dict:
        state = dict(self.baseline)
        for at, key, item in self.writes:
            if at > when:
                break
            if item is None:
                state.pop(key, None)
            else:
                state[key] = item
        return state


def _record(table: Table, key: tuple, item) -> None:
    history = getattr(table, "_emu_history", None)
    if history is not None:
        history.record(key, item)


_put_before = Table.put_item
_delete_before = Table.delete_item
_update_before = DynamoDBBackend.update_item
_continuous_before = DynamoDBBackend.update_continuous_backups
_describe_continuous_before = DynamoDBBackend.describe_continuous_backups


def _put_item(self, *args, **kwargs):
    item = _put_before(self, *args, **kwargs)
    _record(self, item_key(item), item)
    return item


def _delete_item(self, hash_key, range_key):
    item = _delete_before(self, hash_key, range_key)
    if item is not None:
        _record(self, (hash_key, range_key), None)
    return item


def _update_item(self, table_name, *args, **kwargs):
    # moto changes the stored item in place after put_item: record the final state.
    item = _update_before(self, table_name, *args, **kwargs)
    _record(self.get_table(table_name), item_key(item), item)
    return item


def _update_continuous_backups(self, table_name, point_in_time_spec):
    """Start a fresh history when PITR goes from off to on (the window starts there, as
    in AWS), drop it when PITR is turned off."""
    try:
        was_on = _pitr_on(self.get_table(table_name))
    except Exception:
        was_on = False  # no such table: moto's own call below refuses it
    result = _continuous_before(self, table_name, point_in_time_spec)
    table = self.get_table(table_name)
    if _pitr_on(table) and not was_on:
        table._emu_history = WriteHistory(table)
    elif not _pitr_on(table):
        table._emu_history = None
    return result


def _describe_continuous_backups(self, table_name):
    """moto freezes LatestRestorableDateTime when PITR is turned on; AWS moves it along
    (about five minutes behind now). The emulator reports now."""
    result = _describe_continuous_before(self, table_name)
    pitr = result.get("PointInTimeRecoveryDescription", {})
    if pitr.get("PointInTimeRecoveryStatus") == "ENABLED":
        pitr["LatestRestorableDateTime"] = time.time()
    return result


def _pitr_on(table: Table) -> bool:
    return table.continuous_backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


# ---------------------------------------------------------------------------
# The two DynamoDB restore actions.
# ---------------------------------------------------------------------------
def settings_from_overrides(backend: DynamoDBBackend, body: dict) -> RestoreSettings:
    """The *Override parameters common to both restore actions."""
    settings = RestoreSettings(
        billing_mode=body.get("BillingModeOverride"),
        throughput=body.get("ProvisionedThroughputOverride"),
        gsis=body.get("GlobalSecondaryIndexOverride"),
        lsis=body.get("LocalSecondaryIndexOverride"),
        copy_tags=False,
    )
    if body.get("SSESpecificationOverride") is not None:
        settings.sse = sse_from_override(backend.account_id, backend.region_name, body["SSESpecificationOverride"])
        settings.sse_given = True
    return settings


def _as_unix(value: Any) -> float:
    """RestoreDateTime arrives parsed (datetime) or as epoch seconds, by SDK."""
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _restore_time(table: Table, body: dict) -> float:
    """The moment to rebuild, checked against the PITR window [turned on, now]."""
    now = time.time()
    if body.get("UseLatestRestorableTime"):
        return now
    if body.get("RestoreDateTime") is None:
        raise MockValidationException("Either RestoreDateTime or UseLatestRestorableTime must be specified")
    when = _as_unix(body["RestoreDateTime"])
    earliest = table._emu_history.since
    if when < earliest or when > now:
        raise InvalidRestoreTimeException(
            f"RestoreDateTime {utc(when).isoformat()} is outside the restorable window "
            f"{utc(earliest).isoformat()} .. {utc(now).isoformat()}")
    return when


def _source_table(backend: DynamoDBBackend, body: dict) -> Table:
    """The source by name, or by ARN: an ARN of another Region of the same account is a
    cross-Region restore (AWS allows it for point-in-time restores); another account's
    table is not found, as in AWS."""
    ref = body.get("SourceTableArn") or body.get("SourceTableName")
    if not ref:
        raise MockValidationException("Either SourceTableArn or SourceTableName must be specified")
    parts = ref.split(":")
    if ref.startswith("arn:") and len(parts) >= 6 and parts[5].startswith("table/"):
        region, account, name = parts[3], parts[4], parts[5][len("table/"):]
        if account != backend.account_id:
            raise SourceTableNotFoundException(ref)
        backend = dynamodb_backends[account][region]
        ref = name
    try:
        return backend.get_table(ref)
    except Exception:
        raise SourceTableNotFoundException(ref)


def restore_table_to_point_in_time(handler: DynamoHandler):
    body = handler.body
    backend = handler.dynamodb_backend
    source = _source_table(backend, body)
    if not _pitr_on(source) or getattr(source, "_emu_history", None) is None:
        raise PointInTimeRecoveryUnavailable(source.name)
    when = _restore_time(source, body)
    snap = TableSnapshot.of_table(source, items=source._emu_history.items_at(when), at=utc(when))
    target = body.get("TargetTableName")
    table = start_restore(backend, target, snap, settings_from_overrides(backend, body),
                          summary={"SourceTableArn": source.table_arn, "RestoreDateTime": utc(when)})
    return DynamoResult(table.describe())


def restore_table_from_backup(handler: DynamoHandler):
    body = handler.body
    backend = handler.dynamodb_backend
    backup = backend.get_backup(body.get("BackupArn"))
    snap = backup_snapshot(backup)
    target = body.get("TargetTableName")
    table = start_restore(backend, target, snap, settings_from_overrides(backend, body),
                          summary={"SourceBackupArn": backup.arn, "SourceTableArn": snap.table_arn,
                                   "RestoreDateTime": datetime.now(timezone.utc)})
    return DynamoResult(table.describe())


def backup_snapshot(backup: Backup) -> TableSnapshot:
    """moto's Backup holds a deep copy of the table taken by CreateBackup."""
    return TableSnapshot.of_table(backup.table, at=backup.creation_date_time)


# ---------------------------------------------------------------------------
# DescribeBackup / ListBackups details moto leaves out.
# ---------------------------------------------------------------------------
_details_before = Backup.details
_summary_before = Backup.summary
_description_before = Backup.description


def _backup_size(backup: Backup) -> int:
    return approx_size(flat_items(backup.table))


def _details(self):
    return dict(_details_before.fget(self), BackupSizeBytes=_backup_size(self))


def _summary(self):
    return dict(_summary_before.fget(self), BackupSizeBytes=_backup_size(self))


def _description(self):
    """Adds SourceTableFeatureDetails (indexes, SSE) and BillingMode, which real AWS
    returns and a migration needs to see what a restore will rebuild."""
    result = _description_before.fget(self)
    table = self.table
    result["BackupDetails"] = self.details
    source = result["SourceTableDetails"]
    source["BillingMode"] = table.billing_mode or "PROVISIONED"
    source["TableSizeBytes"] = _backup_size(self)
    features = {
        "LocalSecondaryIndexes": [i.describe() for i in table.indexes],
        "GlobalSecondaryIndexes": [i.describe() for i in table.global_indexes],
    }
    sse = table.describe()["TableDescription"].get("SSEDescription")
    if sse:
        features["SSEDescription"] = sse
    result["SourceTableFeatureDetails"] = features
    return result


def install() -> None:
    Table.describe = _table_describe
    Table.put_item = _put_item
    Table.delete_item = _delete_item
    DynamoDBBackend.update_item = _update_item
    DynamoDBBackend.update_continuous_backups = _update_continuous_backups
    DynamoDBBackend.describe_continuous_backups = _describe_continuous_backups
    DynamoHandler.restore_table_to_point_in_time = restore_table_to_point_in_time
    DynamoHandler.restore_table_from_backup = restore_table_from_backup
    Backup.details = property(_details)
    Backup.summary = property(_summary)
    Backup.description = property(_description)
