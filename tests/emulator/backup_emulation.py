"""AWS Backup for DynamoDB tables, on top of moto 5.2.5's backup vaults and plans.

Imported by launcher.py, which calls install(). moto has vaults and plans only: no
backup, copy or restore jobs, no recovery points, no vault access policies. This module
adds them through the normal wire protocol (the same URLs and shapes as AWS Backup's
REST API, so the SDKs' `backup` clients work unchanged):

    StartBackupJob, DescribeBackupJob, ListBackupJobs
    ListRecoveryPointsByBackupVault, ListRecoveryPointsByResource, DescribeRecoveryPoint,
    GetRecoveryPointRestoreMetadata, DeleteRecoveryPoint
    Put/Get/DeleteBackupVaultAccessPolicy
    StartCopyJob, DescribeCopyJob, ListCopyJobs
    StartRestoreJob, DescribeRestoreJob, ListRestoreJobs

A recovery point holds a snapshot of the table (dynamodb_restores.TableSnapshot: keys,
attribute definitions, LSIs, GSIs, billing, SSE, tags and every item) taken when the
backup job starts. Jobs take a few seconds (knobs below), their states following AWS:
backup CREATED → RUNNING → COMPLETED; copy CREATED → RUNNING → COMPLETED or FAILED;
restore PENDING → RUNNING (PercentDone rising, the table CREATING) → COMPLETED or
FAILED. A copy into another account obeys the destination vault's access policy.

Knobs:
    FERRY_EMU_BACKUP_JOB_S   float, default 3: length of a backup job.
    FERRY_EMU_COPY_JOB_S     float, default 3: length of a copy job.
    (restore jobs: FERRY_EMU_RESTORE_JOB_S and FERRY_EMU_RESTORE_DROP_INDEX of
    dynamodb_restores.py.)

All state lives on moto's per-account BackupBackend objects, so POST /moto-api/reset
clears it with everything else.
"""

import json
import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from knobs import env_float

BACKUP_JOB_S = env_float("FERRY_EMU_BACKUP_JOB_S", 3.0)
COPY_JOB_S = env_float("FERRY_EMU_COPY_JOB_S", 3.0)

import dynamodb_restores as ddb  # noqa: E402
from moto.backup import urls as backup_urls  # noqa: E402
from moto.backup.exceptions import (  # noqa: E402
    BackupClientError,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend, Vault, backup_backends  # noqa: E402
from moto.backup.responses import BackupResponse  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.dynamodb.exceptions import TableAlreadyExistsException  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402

log = logging.getLogger("ferry-emu.backup")
LOCK = threading.RLock()

# A job spends this share of its length in its first state (CREATED or PENDING).
FIRST_STATE_SHARE = 0.1


class ValidationException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("ValidationException", msg)


class MissingParameterValueException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class InvalidResourceStateException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("InvalidResourceStateException", msg)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_id() -> str:
    return str(uuid.uuid4()).upper()


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


# ---------------------------------------------------------------------------
# State kept per account and region, on moto's own backend object.
# ---------------------------------------------------------------------------
@dataclass
class EmuState:
    recovery_points: dict = field(default_factory=dict)  # ARN -> RecoveryPoint
    backup_jobs: dict = field(default_factory=dict)  # id -> BackupJob
    copy_jobs: dict = field(default_factory=dict)  # id -> CopyJob
    restore_jobs: dict = field(default_factory=dict)  # id -> RestoreJob
    tokens: dict = field(default_factory=dict)  # (kind, IdempotencyToken) -> job


def state_of(backend: BackupBackend) -> EmuState:
    with LOCK:
        if not hasattr(backend, "_emu_state"):
            backend._emu_state = EmuState()
        return backend._emu_state


def _vault(backend: BackupBackend, name: str) -> Vault:
    vault = backend.vaults.get(name)
    if vault is None:
        raise ResourceNotFoundException(f"Backup vault {name} does not exist")
    return vault


def _default_backup_key(account_id: str, region: str) -> str:
    """The aws/backup KMS key: what a vault created without EncryptionKeyArn uses. Like
    every AWS managed key it appears in the account the first time it is needed (moto
    does the same for aws/dynamodb)."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account_id][region]
    with LOCK:
        if not kms.alias_exists("alias/aws/backup"):
            key = kms.create_key(policy="", key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
                                 description="Default key that protects my backups when no other key is defined",
                                 tags=None)
            kms.create_alias(key.id, "alias/aws/backup")
        return kms.describe_key("alias/aws/backup").arn


def _vault_key(vault: Vault, backend: BackupBackend) -> str:
    return vault.encryption_key_arn or _default_backup_key(backend.account_id, backend.region_name)


# ---------------------------------------------------------------------------
# Recovery points.
# ---------------------------------------------------------------------------
@dataclass
class RecoveryPoint:
    arn: str
    backend: BackupBackend = field(repr=False)
    vault: Vault = field(repr=False)
    snapshot: ddb.TableSnapshot = field(repr=False)
    iam_role_arn: str
    created: datetime
    source_vault_arn: str | None = None
    lifecycle: dict | None = None
    completed: datetime | None = None
    last_restore: datetime | None = None

    @property
    def status(self) -> str:
        return "COMPLETED" if self.completed else "CREATING"

    def _common(self) -> dict:
        return _drop_none({
            "RecoveryPointArn": self.arn,
            "BackupVaultName": self.vault.backup_vault_name,
            "BackupVaultArn": self.vault.backup_vault_arn,
            "SourceBackupVaultArn": self.source_vault_arn,
            "ResourceArn": self.snapshot.table_arn,
            "ResourceType": "DynamoDB",
            "ResourceName": self.snapshot.table_name,
            "IamRoleArn": self.iam_role_arn,
            "Status": self.status,
            "CreationDate": self.created,
            "InitiationDate": self.created,
            "CompletionDate": self.completed,
            "BackupSizeInBytes": self.snapshot.size_bytes,
            "Lifecycle": self.lifecycle,
            "EncryptionKeyArn": _vault_key(self.vault, self.backend),
            "IsEncrypted": True,
            "LastRestoreTime": self.last_restore,
            "IsParent": False,
            "VaultType": "BACKUP_VAULT",
        })

    def describe(self) -> dict:
        return dict(self._common(), StorageClass="WARM")

    def by_vault(self) -> dict:
        return self._common()

    def by_resource(self) -> dict:
        common = self._common()
        keep = ("RecoveryPointArn", "CreationDate", "Status", "EncryptionKeyArn", "BackupVaultName",
                "IsParent", "ResourceName", "VaultType")
        return dict({k: common[k] for k in keep if k in common}, BackupSizeBytes=common["BackupSizeInBytes"])

    def restore_metadata(self) -> dict:
        """The table's settings at backup time, under the keys StartRestoreJob takes."""
        meta = {"targetTableName": self.snapshot.table_name, "encryptionType": self.snapshot.encryption_type}
        if self.snapshot.kms_key_arn:
            meta["kmsMasterKeyArn"] = self.snapshot.kms_key_arn
        return meta


def _recovery_point_arn(backend: BackupBackend) -> str:
    return f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:{_new_id()}"


def _points_in_vault(backend: BackupBackend, vault: Vault) -> list:
    return [rp for rp in state_of(backend).recovery_points.values() if rp.vault is vault]


def _point_in_vault(backend: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    vault = _vault(backend, vault_name)
    rp = state_of(backend).recovery_points.get(arn)
    if rp is None or rp.vault is not vault:
        raise ResourceNotFoundException(f"Recovery point {arn} not found in backup vault {vault_name}")
    return rp


# ---------------------------------------------------------------------------
# Jobs: the state follows the clock; a daemon thread sets the outcome.
# ---------------------------------------------------------------------------
class Job:
    """A job that spends FIRST_STATE_SHARE of its length in `first_state`, then RUNNING
    once its work has begun (`begun`: a copy's checks passed, a restore's table exists)
    until its thread records the outcome (COMPLETED or FAILED, with a message)."""

    first_state = "CREATED"

    def __init__(self, backend: BackupBackend, role: str, length_s: float):
        self.id = _new_id()
        self.backend = backend
        self.role = role
        self.length_s = length_s
        self.started = time.time()
        self.created = ddb.utc(self.started)
        self.emu_state = state_of(backend)
        self.begun = False
        self.outcome: str | None = None
        self.message: str | None = None
        self.completed: datetime | None = None

    @property
    def running_from(self) -> float:
        return self.started + FIRST_STATE_SHARE * self.length_s

    @property
    def deadline(self) -> float:
        return self.started + self.length_s

    @property
    def state(self) -> str:
        if self.outcome:
            return self.outcome
        return "RUNNING" if self.begun and time.time() >= self.running_from else self.first_state

    def fraction_done(self) -> float:
        if self.outcome == "COMPLETED":
            return 1.0
        span = max(self.deadline - self.running_from, 1e-6)
        return min(max((time.time() - self.running_from) / span, 0.0), 0.99)

    def finish(self, outcome: str, message: str | None = None) -> None:
        with LOCK:
            if self.outcome:
                return
            self.outcome, self.message, self.completed = outcome, message, _now()
        log.info("%s %s %s%s", type(self).__name__, self.id, outcome, f": {message}" if message else "")

    def fail(self, message: str) -> None:
        self.finish("FAILED", message)

    def stale(self) -> bool:
        """True after POST /moto-api/reset: the job's account state is gone, and its
        pending steps must not write into the fresh one."""
        return getattr(self.backend, "_emu_state", None) is not self.emu_state

    def at(self, when: float, step) -> None:
        """Run step(self) at unix time `when`, unless the emulator was reset meanwhile."""
        ddb.after(max(when - time.time(), 0.0), f"{type(self).__name__} {self.id}",
                  lambda: None if self.stale() else step(self))


def _remember(st: EmuState, kind: str, token: str | None, job: Job) -> None:
    if token:
        st.tokens[(kind, token)] = job


def _already(st: EmuState, kind: str, token: str | None) -> Job | None:
    """IdempotencyToken: the same token again returns the first job, nothing new starts
    (AWS forgets tokens after an hour; the emulator never does)."""
    return st.tokens.get((kind, token)) if token else None


# ---------------------------------------------------------------------------
# Backup jobs.
# ---------------------------------------------------------------------------
class BackupJob(Job):
    def __init__(self, backend, role, vault: Vault, resource_arn: str, lifecycle: dict | None):
        super().__init__(backend, role, BACKUP_JOB_S)
        self.vault = vault
        self.resource_arn = resource_arn
        self.lifecycle = lifecycle
        self.recovery_point: RecoveryPoint | None = None
        self.recovery_point_arn = _recovery_point_arn(backend)
        self.begun = True  # the snapshot is taken when the job is created

    def start_result(self) -> dict:
        return {"BackupJobId": self.id, "RecoveryPointArn": self.recovery_point_arn,
                "CreationDate": self.created, "IsParent": False}

    def describe(self) -> dict:
        state = self.state
        size = self.recovery_point.snapshot.size_bytes if self.recovery_point else 0
        return _drop_none({
            "AccountId": self.backend.account_id,
            "BackupJobId": self.id,
            "BackupVaultName": self.vault.backup_vault_name,
            "BackupVaultArn": self.vault.backup_vault_arn,
            "VaultType": "BACKUP_VAULT",
            "RecoveryPointArn": self.recovery_point_arn,
            "RecoveryPointLifecycle": self.lifecycle,
            "EncryptionKeyArn": _vault_key(self.vault, self.backend),
            "IsEncrypted": True,
            "ResourceArn": self.resource_arn,
            "ResourceType": "DynamoDB",
            "ResourceName": self.resource_arn.rsplit("/", 1)[-1],
            "CreationDate": self.created,
            "InitiationDate": self.created,
            "CompletionDate": self.completed,
            "State": state,
            "StatusMessage": self.message,
            "PercentDone": f"{100 * self.fraction_done():.1f}" if state in ("RUNNING", "COMPLETED") else None,
            "BackupSizeInBytes": size if state == "COMPLETED" else None,
            "BytesTransferred": size if state == "COMPLETED" else None,
            "IamRoleArn": self.role,
            "StartBy": ddb.utc(self.started + 8 * 3600),
            "ExpectedCompletionDate": ddb.utc(self.deadline) if not self.outcome else None,
            "IsParent": False,
        })


def _table_for_backup(backend: BackupBackend, resource_arn: str):
    """The DynamoDB table a backup job names, if it is in the caller's account and
    region (AWS Backup backs up resources of its own account and Region only)."""
    parts = resource_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "dynamodb" or not parts[5].startswith("table/"):
        raise InvalidParameterValueException(
            f"Invalid resource ARN {resource_arn}: the emulator backs up DynamoDB tables only")
    region, account, name = parts[3], parts[4], parts[5][len("table/"):]
    if (region, account) != (backend.region_name, backend.account_id):
        return None
    return dynamodb_backends[account][region].tables.get(name)


def start_backup_job(backend: BackupBackend, body: dict) -> BackupJob:
    role = _require_role(body)
    vault = _vault(backend, _required(body, "BackupVaultName"))
    job = BackupJob(backend, role, vault, _required(body, "ResourceArn"), body.get("Lifecycle"))
    table = _table_for_backup(backend, job.resource_arn)
    if table is not None:
        # The snapshot is taken now: later writes are not in this recovery point.
        job.recovery_point = RecoveryPoint(
            arn=job.recovery_point_arn, backend=backend, vault=vault,
            snapshot=ddb.TableSnapshot.of_table(table), iam_role_arn=job.role,
            created=job.created, lifecycle=job.lifecycle)
        state_of(backend).recovery_points[job.recovery_point_arn] = job.recovery_point
    job.at(job.deadline, _finish_backup)
    return job


def _finish_backup(job: BackupJob) -> None:
    if job.recovery_point is None:
        job.fail(f"Resource {job.resource_arn} not found: the table does not exist in account "
                 f"{job.backend.account_id} ({job.backend.region_name})")
        return
    job.recovery_point.completed = _now()
    job.finish("COMPLETED")


# ---------------------------------------------------------------------------
# Vault access policies (moto has none) and the cross-account check of copies.
# ---------------------------------------------------------------------------
def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, account_id: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _as_list(principal.get("AWS", [])):
        if entry == "*" or entry == account_id or entry.startswith(f"arn:aws:iam::{account_id}:"):
            return True
    return False


def _action_matches(actions: Any, wanted: str) -> bool:
    return any(a in ("*", "backup:*", wanted) for a in _as_list(actions))


def policy_allows(policy_text: str | None, account_id: str, action: str) -> bool:
    """A small IAM evaluation of a vault access policy: an Allow statement whose
    Principal covers the account and whose Action covers `action`, and no such Deny.
    Statements with a Condition never match (conditions are not evaluated, so
    aws:PrincipalOrgID and the like are never true, organizations or not)."""
    if not policy_text:
        return False
    try:
        statements = _as_list(json.loads(policy_text).get("Statement", []))
    except (ValueError, AttributeError):
        return False
    allowed = False
    for st in statements:
        if not isinstance(st, dict) or st.get("Condition"):
            continue
        if not (_principal_matches(st.get("Principal"), account_id) and _action_matches(st.get("Action"), action)):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed = allowed or st.get("Effect") == "Allow"
    return allowed


# ---------------------------------------------------------------------------
# Copy jobs.
# ---------------------------------------------------------------------------
class CopyJob(Job):
    def __init__(self, backend, role, source_vault: Vault, source_arn: str, dest_vault_arn: str,
                 lifecycle: dict | None):
        super().__init__(backend, role, COPY_JOB_S)
        self.source_vault = source_vault
        self.source_arn = source_arn
        self.dest_vault_arn = dest_vault_arn
        self.lifecycle = lifecycle
        self.source: RecoveryPoint | None = None
        self.dest_backend: BackupBackend | None = None
        self.dest: RecoveryPoint | None = None

    def start_result(self) -> dict:
        return {"CopyJobId": self.id, "CreationDate": self.created, "IsParent": False}

    def describe(self) -> dict:
        snap = self.source.snapshot if self.source else None
        return _drop_none({
            "AccountId": self.backend.account_id,
            "CopyJobId": self.id,
            "SourceBackupVaultArn": self.source_vault.backup_vault_arn,
            "SourceRecoveryPointArn": self.source_arn,
            "DestinationBackupVaultArn": self.dest_vault_arn,
            "DestinationVaultType": "BACKUP_VAULT",
            "DestinationRecoveryPointArn": self.dest.arn if self.dest else None,
            "DestinationRecoveryPointLifecycle": self.lifecycle,
            "ResourceArn": snap.table_arn if snap else None,
            "ResourceType": "DynamoDB",
            "ResourceName": snap.table_name if snap else None,
            "CreationDate": self.created,
            "CompletionDate": self.completed,
            "State": self.state,
            "StatusMessage": self.message,
            "BackupSizeInBytes": snap.size_bytes if snap else None,
            "IamRoleArn": self.role,
            "IsParent": False,
        })


def _parse_vault_arn(arn: str) -> tuple[str, str, str]:
    """arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME → (region, account, name)."""
    parts = arn.split(":")
    if len(parts) != 7 or parts[2] != "backup" or parts[5] != "backup-vault" or not parts[6]:
        raise InvalidParameterValueException(f"Invalid backup vault ARN: {arn}")
    return parts[3], parts[4], parts[6]


def start_copy_job(backend: BackupBackend, body: dict) -> CopyJob:
    role = _require_role(body)
    source_vault = _vault(backend, _required(body, "SourceBackupVaultName"))
    _parse_vault_arn(_required(body, "DestinationBackupVaultArn"))
    job = CopyJob(backend, role, source_vault, _required(body, "RecoveryPointArn"),
                  body["DestinationBackupVaultArn"], body.get("Lifecycle"))
    if not job.source_arn.startswith("arn:aws:dynamodb:"):
        job.source = _point_in_vault(backend, source_vault.backup_vault_name, job.source_arn)
        if job.source.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {job.source_arn} is not COMPLETED; it cannot be copied yet")
    region, account, _ = _parse_vault_arn(job.dest_vault_arn)
    job.dest_backend = backup_backends[account][region]
    job.at(job.running_from, _begin_copy)
    return job


def _copy_refusal(job: CopyJob) -> str | None:
    """Why AWS would fail this copy, or None. The wording of the first and the access
    message are AWS's; the others are the emulator's."""
    if job.source is None:
        return ("Copy job failed. Backups made by DynamoDB (recovery point ARN arn:aws:dynamodb:...) "
                "cannot be copied to another account; only backups fully managed by AWS Backup "
                "(advanced DynamoDB backup, arn:aws:backup:...) can")
    _, account, name = _parse_vault_arn(job.dest_vault_arn)
    dest_vault = job.dest_backend.vaults.get(name)
    if dest_vault is None:
        return f"Copy job failed. Destination backup vault {job.dest_vault_arn} does not exist"
    if account != job.backend.account_id and not policy_allows(
            getattr(dest_vault, "_emu_policy", None), job.backend.account_id, "backup:CopyIntoBackupVault"):
        return "Access Denied trying to call AWS Backup service"
    return None


def _begin_copy(job: CopyJob) -> None:
    refusal = _copy_refusal(job)
    if refusal:
        job.fail(refusal)
        return
    dest_vault = job.dest_backend.vaults[_parse_vault_arn(job.dest_vault_arn)[2]]
    # Copies keep the source's creation date (AWS: "The creation date refers to when
    # the source was created, not when the copy was created").
    job.dest = RecoveryPoint(
        arn=_recovery_point_arn(job.dest_backend), backend=job.dest_backend, vault=dest_vault,
        snapshot=job.source.snapshot, iam_role_arn=job.role, created=job.source.created,
        source_vault_arn=job.source_vault.backup_vault_arn, lifecycle=job.lifecycle)
    state_of(job.dest_backend).recovery_points[job.dest.arn] = job.dest
    job.begun = True
    job.at(job.deadline, _finish_copy)


def _finish_copy(job: CopyJob) -> None:
    job.dest.completed = _now()
    job.finish("COMPLETED")


# ---------------------------------------------------------------------------
# Restore jobs.
# ---------------------------------------------------------------------------
class RestoreJob(Job):
    first_state = "PENDING"

    def __init__(self, backend, role, point: RecoveryPoint | None, point_arn: str,
                 snapshot: ddb.TableSnapshot, vault_arn: str | None, metadata: dict, copy_tags: bool):
        super().__init__(backend, role, ddb.RESTORE_JOB_S)
        self.point = point
        self.point_arn = point_arn
        self.snapshot = snapshot
        self.vault_arn = vault_arn
        self.metadata = {k.lower(): v for k, v in metadata.items()}  # AWS: keys not case-sensitive
        self.copy_tags = copy_tags
        self.dynamo = dynamodb_backends[backend.account_id][backend.region_name]
        self.created_resource_arn: str | None = None

    def start_result(self) -> dict:
        return {"RestoreJobId": self.id}

    def describe(self) -> dict:
        state = self.state
        left_s = max(self.deadline - time.time(), 0.0)
        return _drop_none({
            "AccountId": self.backend.account_id,
            "RestoreJobId": self.id,
            "RecoveryPointArn": self.point_arn,
            "SourceResourceArn": self.snapshot.table_arn,
            "BackupVaultArn": self.vault_arn,
            "CreationDate": self.created,
            "CompletionDate": self.completed,
            "Status": state,
            "StatusMessage": self.message,
            "PercentDone": f"{100 * self.fraction_done():.2f}%" if state != "FAILED" else None,
            "BackupSizeInBytes": self.snapshot.size_bytes,
            "IamRoleArn": self.role,
            "ExpectedCompletionTimeMinutes":
                max(1, math.ceil(left_s / 60)) if state in ("PENDING", "RUNNING") else None,
            "CreatedResourceArn": self.created_resource_arn,
            "ResourceType": "DynamoDB",
            "RecoveryPointCreationDate": self.snapshot.taken_at,
            "IsParent": False,
        })


def _restore_source(backend: BackupBackend, arn: str):
    """(recovery point or None, snapshot, vault ARN) for a recovery point of the
    caller's account: one of AWS Backup's, or a backup made by DynamoDB itself."""
    rp = state_of(backend).recovery_points.get(arn)
    if rp is not None:
        if rp.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {arn} is not COMPLETED; it cannot be restored yet")
        return rp, rp.snapshot, rp.vault.backup_vault_arn
    dynamo = dynamodb_backends[backend.account_id][backend.region_name]
    backup = dynamo.backups.get(arn)
    if backup is not None:
        return None, ddb.backup_snapshot(backup), None
    raise ResourceNotFoundException(f"Recovery point {arn} not found")


def start_restore_job(backend: BackupBackend, body: dict) -> RestoreJob:
    role = _require_role(body)
    resource_type = body.get("ResourceType")
    if resource_type not in (None, "DynamoDB"):
        raise InvalidParameterValueException(f"Resource type {resource_type} is not supported by the emulator")
    if not isinstance(body.get("Metadata"), dict):
        raise MissingParameterValueException("Metadata is required")
    point, snapshot, vault_arn = _restore_source(backend, _required(body, "RecoveryPointArn"))
    job = RestoreJob(backend, role, point, body["RecoveryPointArn"], snapshot, vault_arn, body["Metadata"],
                     bool(body.get("CopySourceTagsToRestoredResource")))
    job.at(job.running_from, _begin_restore)
    return job


def _restore_settings(job: RestoreJob) -> ddb.RestoreSettings:
    """encryptionType / kmsMasterKeyArn of the metadata → the new table's SSE. Raises
    ValueError with the job's failure message."""
    settings = ddb.RestoreSettings(sse_given=True, copy_tags=job.copy_tags)
    kind = job.metadata.get("encryptiontype") or "Default"
    if kind == "Default":
        return settings
    if kind != "KMS":
        raise ValueError(f"Invalid restore metadata: encryptionType must be Default or KMS, not {kind}")
    settings.sse = {"Enabled": True, "SSEType": "KMS"}
    key = job.metadata.get("kmsmasterkeyarn")
    if key:
        try:
            settings.sse["KMSMasterKeyId"] = ddb.resolve_kms_key(job.backend.account_id, job.backend.region_name, key)
        except ddb.KmsKeyNotUsable as exc:
            raise ValueError(f"Invalid restore metadata: kmsMasterKeyArn: {exc}")
    return settings


def _begin_restore(job: RestoreJob) -> None:
    """PENDING → RUNNING: the checks AWS makes when the restore starts, then the table
    is created (CREATING) and filled when the job completes."""
    name = job.metadata.get("targettablename")
    if not name:
        job.fail("Invalid restore metadata: targetTableName is required for a DynamoDB restore")
        return
    try:
        settings = _restore_settings(job)
        table = ddb.start_restore(
            job.dynamo, name, job.snapshot, settings,
            summary={"SourceBackupArn": job.point_arn, "SourceTableArn": job.snapshot.table_arn,
                     "RestoreDateTime": _now()},
            delay_s=max(job.deadline - time.time(), 0.0),
            on_done=lambda _table: None if job.stale() else _finish_restore(job))
    except ValueError as exc:
        job.fail(str(exc))
        return
    except TableAlreadyExistsException:
        job.fail(f"Table already exists: {name}")
        return
    job.created_resource_arn = table.table_arn
    job.begun = True


def _finish_restore(job: RestoreJob) -> None:
    if job.point is not None:
        job.point.last_restore = _now()
    job.finish("COMPLETED")


# ---------------------------------------------------------------------------
# Request plumbing shared by the handlers.
# ---------------------------------------------------------------------------
def _require_role(body: dict) -> str:
    """Every job needs the role AWS Backup assumes. AWS refuses a missing or empty
    IamRoleArn up front; the emulator checks presence only, never IAM itself."""
    role = body.get("IamRoleArn")
    if not isinstance(role, str) or not role.strip():
        raise ValidationException("IamRoleArn is required and must not be empty")
    return role


def _required(body: dict, name: str) -> str:
    value = body.get(name)
    if not value:
        raise MissingParameterValueException(f"{name} is required")
    return value


def _body(handler: BackupResponse) -> dict:
    try:
        return json.loads(handler.body or "{}")
    except ValueError:
        raise InvalidParameterValueException("The request body is not JSON")


def _uri(handler: BackupResponse, name: str) -> str:
    return unquote(handler.uri_match[name])


def _query(handler: BackupResponse, name: str) -> str | None:
    values = handler.querystring.get(name)
    return values[0] if values else None


def _query_time(handler: BackupResponse, name: str) -> float | None:
    raw = _query(handler, name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()


def _page(handler: BackupResponse, rows: list, key: str) -> ActionResult:
    """maxResults / nextToken paging (the token is an offset)."""
    limit = int(_query(handler, "maxResults") or 1000)
    start = int(_query(handler, "nextToken") or 0)
    result: dict = {key: rows[start:start + limit]}
    if start + limit < len(rows):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def _created_in_range(handler: BackupResponse, created: datetime) -> bool:
    after, before = _query_time(handler, "createdAfter"), _query_time(handler, "createdBefore")
    ts = created.timestamp()
    return (after is None or ts >= after) and (before is None or ts <= before)


def _backend(handler: BackupResponse) -> BackupBackend:
    return handler.backup_backend


def _start(handler: BackupResponse, kind: str, starter) -> ActionResult:
    body = _body(handler)
    backend = _backend(handler)
    with LOCK:
        st = state_of(backend)
        job = _already(st, kind, body.get("IdempotencyToken"))
        if job is None:
            job = starter(backend, body)
            getattr(st, f"{kind}_jobs")[job.id] = job
            _remember(st, kind, body.get("IdempotencyToken"), job)
    return ActionResult(job.start_result())


def _job(handler: BackupResponse, kind: str, uri_name: str) -> Job:
    job_id = _uri(handler, uri_name)
    job = getattr(state_of(_backend(handler)), f"{kind}_jobs").get(job_id)
    if job is None:
        raise ResourceNotFoundException(f"{kind.capitalize()} job {job_id} not found")
    return job


# ---------------------------------------------------------------------------
# Handlers (methods of moto's BackupResponse, named after the operations).
# ---------------------------------------------------------------------------
def h_start_backup_job(self):
    return _start(self, "backup", start_backup_job)


def h_describe_backup_job(self):
    return ActionResult(_job(self, "backup", "backupJobId").describe())


def h_list_backup_jobs(self):
    jobs = sorted(state_of(_backend(self)).backup_jobs.values(), key=lambda j: j.started, reverse=True)
    filters = {"resourceArn": "ResourceArn", "state": "State", "backupVaultName": "BackupVaultName",
               "resourceType": "ResourceType", "accountId": "AccountId"}
    rows = [j.describe() for j in jobs if _created_in_range(self, j.created)]
    rows = _filtered(self, rows, filters)
    return _page(self, rows, "BackupJobs")


def h_start_copy_job(self):
    return _start(self, "copy", start_copy_job)


def h_describe_copy_job(self):
    return ActionResult({"CopyJob": _job(self, "copy", "copyJobId").describe()})


def h_list_copy_jobs(self):
    jobs = sorted(state_of(_backend(self)).copy_jobs.values(), key=lambda j: j.started, reverse=True)
    filters = {"resourceArn": "ResourceArn", "state": "State", "destinationVaultArn": "DestinationBackupVaultArn",
               "resourceType": "ResourceType", "accountId": "AccountId",
               "sourceRecoveryPointArn": "SourceRecoveryPointArn"}
    rows = [j.describe() for j in jobs if _created_in_range(self, j.created)]
    return _page(self, _filtered(self, rows, filters), "CopyJobs")


def h_start_restore_job(self):
    return _start(self, "restore", start_restore_job)


def h_describe_restore_job(self):
    return ActionResult(_job(self, "restore", "restoreJobId").describe())


def h_list_restore_jobs(self):
    jobs = sorted(state_of(_backend(self)).restore_jobs.values(), key=lambda j: j.started, reverse=True)
    filters = {"status": "Status", "resourceType": "ResourceType", "accountId": "AccountId"}
    rows = [j.describe() for j in jobs if _created_in_range(self, j.created)]
    return _page(self, _filtered(self, rows, filters), "RestoreJobs")


def _filtered(handler: BackupResponse, rows: list, filters: dict) -> list:
    for query_name, field_name in filters.items():
        wanted = _query(handler, query_name)
        if wanted is not None:
            rows = [r for r in rows if r.get(field_name) == wanted]
    return rows


def h_list_recovery_points_by_backup_vault(self):
    backend = _backend(self)
    vault = _vault(backend, _uri(self, "backupVaultName"))
    points = sorted(_points_in_vault(backend, vault), key=lambda rp: rp.created, reverse=True)
    rows = [rp.by_vault() for rp in points if _created_in_range(self, rp.created)]
    rows = _filtered(self, rows, {"resourceArn": "ResourceArn", "resourceType": "ResourceType"})
    return _page(self, rows, "RecoveryPoints")


def _dynamodb_made_points(backend: BackupBackend, resource_arn: str) -> list:
    """Backups made by DynamoDB's CreateBackup: AWS lists them with the resource's
    recovery points unless ManagedByAWSBackupOnly is true. Their ARNs start with
    arn:aws:dynamodb, and they cannot be copied to another account."""
    dynamo = dynamodb_backends[backend.account_id][backend.region_name]
    rows = []
    for backup in list(dynamo.backups.values()):
        if backup.table.table_arn == resource_arn:
            rows.append({"RecoveryPointArn": backup.arn, "CreationDate": backup.creation_date_time,
                         "Status": "COMPLETED", "BackupSizeBytes": ddb.approx_size(ddb.flat_items(backup.table)),
                         "ResourceName": backup.table.name, "IsParent": False})
    return rows


def h_list_recovery_points_by_resource(self):
    backend = _backend(self)
    resource_arn = _uri(self, "resourceArn")
    points = [rp for rp in state_of(backend).recovery_points.values() if rp.snapshot.table_arn == resource_arn]
    rows = [rp.by_resource() for rp in sorted(points, key=lambda rp: rp.created, reverse=True)]
    if (_query(self, "managedByAWSBackupOnly") or "false").lower() != "true":
        rows += _dynamodb_made_points(backend, resource_arn)
    return _page(self, rows, "RecoveryPoints")


def h_describe_recovery_point(self):
    rp = _point_in_vault(_backend(self), _uri(self, "backupVaultName"), _uri(self, "recoveryPointArn"))
    return ActionResult(rp.describe())


def h_get_recovery_point_restore_metadata(self):
    rp = _point_in_vault(_backend(self), _uri(self, "backupVaultName"), _uri(self, "recoveryPointArn"))
    return ActionResult({"BackupVaultArn": rp.vault.backup_vault_arn, "RecoveryPointArn": rp.arn,
                         "RestoreMetadata": rp.restore_metadata(), "ResourceType": "DynamoDB"})


def h_delete_recovery_point(self):
    backend = _backend(self)
    rp = _point_in_vault(backend, _uri(self, "backupVaultName"), _uri(self, "recoveryPointArn"))
    if rp.status != "COMPLETED":
        raise InvalidResourceStateException(f"Recovery point {rp.arn} is being created and cannot be deleted yet")
    with LOCK:
        state_of(backend).recovery_points.pop(rp.arn, None)
    return EmptyResult()


def h_put_backup_vault_access_policy(self):
    vault = _vault(_backend(self), _uri(self, "backupVaultName"))
    policy = _body(self).get("Policy")
    try:
        json.loads(policy or "")
    except ValueError:
        raise InvalidParameterValueException("Policy is not a valid JSON policy document")
    vault._emu_policy = policy
    return EmptyResult()


def h_get_backup_vault_access_policy(self):
    vault = _vault(_backend(self), _uri(self, "backupVaultName"))
    policy = getattr(vault, "_emu_policy", None)
    if not policy:
        raise ResourceNotFoundException(f"Backup vault {vault.backup_vault_name} has no access policy")
    return ActionResult({"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
                         "Policy": policy})


def h_delete_backup_vault_access_policy(self):
    vault = _vault(_backend(self), _uri(self, "backupVaultName"))
    vault._emu_policy = None
    return EmptyResult()


# ---------------------------------------------------------------------------
# moto's vaults: recovery point counts, the default key, and no deleting a vault that
# holds recovery points.
# ---------------------------------------------------------------------------
_vault_init_before = Vault.__init__
_delete_vault_before = BackupBackend.delete_backup_vault


def _vault_init(self, *args, **kwargs):
    _vault_init_before(self, *args, **kwargs)
    self._emu_backend = kwargs.get("backend") or args[-1]
    # A vault created without a key uses the account's aws/backup key, and AWS reports it
    # (DescribeBackupVault, ListBackupVaults); moto reported none.
    if not self.encryption_key_arn:
        self.encryption_key_arn = _default_backup_key(self._emu_backend.account_id, self._emu_backend.region_name)


def _vault_points(self) -> int:
    backend = getattr(self, "_emu_backend", None)
    return len(_points_in_vault(backend, self)) if backend else 0


def _delete_backup_vault(self, backup_vault_name):
    vault = self.vaults.get(backup_vault_name)
    if vault is not None and _points_in_vault(self, vault):
        raise InvalidRequestException("Backup vault cannot be deleted because it contains recovery points")
    return _delete_vault_before(self, backup_vault_name)


# URL patterns of the new operations (moto routes only those its urls.py lists; the
# operation itself is then found from AWS Backup's service model by method and path).
NEW_URL_PATHS = [
    "{0}/backup-jobs/$",
    "{0}/backup-jobs/(?P<backupJobId>[^/]+)$",
    "{0}/copy-jobs/$",
    "{0}/copy-jobs/(?P<copyJobId>[^/]+)$",
    "{0}/restore-jobs/$",
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<rp>[^/]+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<rp>[^/]+)/restore-metadata$",
    "{0}/resources/(?P<resourceArn>.+)/recovery-points/$",
]

HANDLERS = {
    "start_backup_job": h_start_backup_job,
    "describe_backup_job": h_describe_backup_job,
    "list_backup_jobs": h_list_backup_jobs,
    "start_copy_job": h_start_copy_job,
    "describe_copy_job": h_describe_copy_job,
    "list_copy_jobs": h_list_copy_jobs,
    "start_restore_job": h_start_restore_job,
    "describe_restore_job": h_describe_restore_job,
    "list_restore_jobs": h_list_restore_jobs,
    "list_recovery_points_by_backup_vault": h_list_recovery_points_by_backup_vault,
    "list_recovery_points_by_resource": h_list_recovery_points_by_resource,
    "describe_recovery_point": h_describe_recovery_point,
    "get_recovery_point_restore_metadata": h_get_recovery_point_restore_metadata,
    "delete_recovery_point": h_delete_recovery_point,
    "put_backup_vault_access_policy": h_put_backup_vault_access_policy,
    "get_backup_vault_access_policy": h_get_backup_vault_access_policy,
    "delete_backup_vault_access_policy": h_delete_backup_vault_access_policy,
}


def install() -> None:
    for path in NEW_URL_PATHS:
        backup_urls.url_paths[path] = backup_urls.response.dispatch
    for name, fn in HANDLERS.items():
        setattr(BackupResponse, name, fn)
    Vault.__init__ = _vault_init
    Vault.num_of_recovery_points = property(_vault_points, lambda self, value: None)
    Vault.number_of_recovery_points = property(_vault_points)
    BackupBackend.delete_backup_vault = _delete_backup_vault
