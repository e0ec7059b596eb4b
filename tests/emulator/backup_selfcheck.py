#!/usr/bin/env python3
"""Self-check of the emulator's backups and restores (run by: tests/emulator/local-aws selfcheck).

Two private emulators, with short job knobs:

- "backup": the two accounts join one organization (an invitation accepted by dest);
  the global and region settings start at AWS's defaults and change; a table with one
  LSI and one GSI and awkward items in account 123456789012 (profile source) is backed
  up with AWS Backup; the copy into a vault of 222222222222
  (profile dest, through STS) is refused until the vault's access policy allows the
  source account; the copied recovery point is restored in dest with both indexes and
  every item; restores without a role, without a table name, onto an existing table and
  with a KMS key of the wrong account fail as AWS does; a DynamoDB-made backup cannot be
  copied; point-in-time restores leave out the writes made after the restore time and
  apply the overrides; RestoreTableFromBackup keeps both indexes; a reset forgets the
  organization, the settings and the jobs.
- "drop-index": FERRY_EMU_RESTORE_DROP_INDEX makes both kinds of restore lose the GSI.

Exits non-zero on any failed check.
"""

import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import selfcheck as base  # noqa: E402  (emulator start/stop, items, comparison, check())

check = base.check
SOURCE, DEST = "123456789012", base.DEST_ACCOUNT
TABLE = "ferry-orders"
LSI, GSI = "by-note", "by-group"
N_ITEMS = 120
JOB_S = 2.0
SRC_ROLE = f"arn:aws:iam::{SOURCE}:role/backup"
DST_ROLE = f"arn:aws:iam::{DEST}:role/restore"


# --------------------------------------------------------------------------- helpers
def indexed_items(n: int) -> list[dict]:
    """The awkward items of the export check, plus an LSI sort key on every item and a
    GSI key on most (a sparse GSI, as real tables often have)."""
    items = base.awkward_items(n)
    for i, item in enumerate(items):
        item["note"] = {"S": f"note#{i:05d}"}
        if i % 5:
            item["group"] = {"S": f"group#{i % 7}"}
    return items


def create_indexed_table(ddb, name: str) -> str:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                              for a, t in (("pk", "S"), ("sk", "N"), ("note", "S"), ("group", "S"))],
        BillingMode="PAY_PER_REQUEST",
        LocalSecondaryIndexes=[{"IndexName": LSI, "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "note", "KeyType": "RANGE"}]}],
        GlobalSecondaryIndexes=[{"IndexName": GSI, "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}]}],
    )
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]


def fill(ddb, name: str, items: list[dict]) -> None:
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})


def index_names(description: dict) -> tuple[list, list]:
    return ([i["IndexName"] for i in description.get("LocalSecondaryIndexes", [])],
            [i["IndexName"] for i in description.get("GlobalSecondaryIndexes", [])])


def watch(describe, state_field: str, finals=("COMPLETED", "FAILED", "ABORTED"), timeout: float = 30.0):
    """Poll a job every 0.2 s until it ends; returns (every description seen, last)."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = describe()
        seen.append(d)
        if d[state_field] in finals:
            return seen, d
        time.sleep(0.2)
    raise TimeoutError(f"job still {seen[-1][state_field]} after {timeout}s")


def states(seen: list, state_field: str) -> list:
    out = []
    for d in seen:
        if not out or out[-1] != d[state_field]:
            out.append(d[state_field])
    return out


def error_code(fn) -> str | None:
    try:
        fn()
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return None


def allow_copies_from(account: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "copies-from-source", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
        "Resource": "*", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]})


# --------------------------------------------------------------------------- the backup road
class Road:
    """The clients and names one scenario shares."""

    def __init__(self, exports: dict):
        src, dst = base.sessions(exports)
        self.ddb_src, self.ddb_dst = src.client("dynamodb"), dst.client("dynamodb")
        self.bk_src, self.bk_dst = src.client("backup"), dst.client("backup")
        self.kms_src, self.kms_dst = src.client("kms"), dst.client("kms")
        self.org_src, self.org_dst = src.client("organizations"), dst.client("organizations")
        self.src_vault, self.dst_vault = "ferry-source-vault", "ferry-dest-vault"


def backup_job(road: Road, table_arn: str) -> tuple[str, list]:
    """StartBackupJob twice with one token (one job), then the job to its end."""
    kwargs = dict(BackupVaultName=road.src_vault, ResourceArn=table_arn, IamRoleArn=SRC_ROLE,
                  IdempotencyToken="ferry-backup-1")
    first = road.bk_src.start_backup_job(**kwargs)
    again = road.bk_src.start_backup_job(**kwargs)
    check((first["BackupJobId"], first["RecoveryPointArn"]) == (again["BackupJobId"], again["RecoveryPointArn"]),
          "[backup] same IdempotencyToken, same job and recovery point")
    check(first["RecoveryPointArn"].startswith(f"arn:aws:backup:us-east-1:{SOURCE}:recovery-point:"),
          f"[backup] recovery point ARN {first['RecoveryPointArn']}")
    # A write after the job started is not in the recovery point.
    road.ddb_src.put_item(TableName=TABLE, Item={"pk": {"S": "after-backup"}, "sk": {"N": "1"}, "note": {"S": "x"}})
    t0 = time.time()
    seen, job = watch(lambda: road.bk_src.describe_backup_job(BackupJobId=first["BackupJobId"]), "State")
    got = states(seen, "State")
    check(got[-1] == "COMPLETED" and "RUNNING" in got and set(got) <= {"CREATED", "RUNNING", "COMPLETED"},
          f"[backup] backup job states {got}")
    check(time.time() - t0 >= JOB_S * 0.8, "[backup] backup job took the knob's time")
    check(job.get("BackupSizeInBytes", 0) > 0 and job["ResourceType"] == "DynamoDB"
          and job["RecoveryPointArn"] == first["RecoveryPointArn"], "[backup] DescribeBackupJob fields")
    listed = road.bk_src.list_backup_jobs(ByResourceArn=table_arn)["BackupJobs"]
    check([j["BackupJobId"] for j in listed] == [first["BackupJobId"]], "[backup] ListBackupJobs: one job")
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    check(road.bk_src.list_backup_jobs(ByCreatedAfter=later)["BackupJobs"] == [],
          "[backup] ListBackupJobs ByCreatedAfter")
    return first["RecoveryPointArn"], seen


def recovery_point_views(road: Road, table_arn: str, rp_arn: str) -> None:
    by_vault = road.bk_src.list_recovery_points_by_backup_vault(BackupVaultName=road.src_vault)["RecoveryPoints"]
    by_res = road.bk_src.list_recovery_points_by_resource(ResourceArn=table_arn)["RecoveryPoints"]
    check([p["RecoveryPointArn"] for p in by_vault] == [rp_arn], "[backup] ListRecoveryPointsByBackupVault")
    check(rp_arn in [p["RecoveryPointArn"] for p in by_res], "[backup] ListRecoveryPointsByResource")
    rp = road.bk_src.describe_recovery_point(BackupVaultName=road.src_vault, RecoveryPointArn=rp_arn)
    want = {"Status": "COMPLETED", "ResourceType": "DynamoDB", "ResourceArn": table_arn, "IsEncrypted": True}
    check(all(rp.get(k) == v for k, v in want.items()) and rp.get("BackupSizeInBytes", 0) > 0
          and isinstance(rp.get("CreationDate"), datetime)
          and rp.get("EncryptionKeyArn", "").startswith("arn:aws:kms:"),
          f"[backup] DescribeRecoveryPoint { {k: rp.get(k) for k in want} }")
    meta = road.bk_src.get_recovery_point_restore_metadata(BackupVaultName=road.src_vault, RecoveryPointArn=rp_arn)
    check(meta["RestoreMetadata"].get("targetTableName") == TABLE
          and meta["RestoreMetadata"].get("encryptionType") == "Default",
          f"[backup] restore metadata {meta['RestoreMetadata']}")


def copy_job(road: Road, rp_arn: str, dest_vault_arn: str, token: str | None = None) -> dict:
    kwargs = dict(RecoveryPointArn=rp_arn, SourceBackupVaultName=road.src_vault,
                  DestinationBackupVaultArn=dest_vault_arn, IamRoleArn=SRC_ROLE)
    if token:
        kwargs["IdempotencyToken"] = token
    started = road.bk_src.start_copy_job(**kwargs)
    if token:
        check(road.bk_src.start_copy_job(**kwargs)["CopyJobId"] == started["CopyJobId"],
              "[copy] same IdempotencyToken, same copy job")
    seen, job = watch(lambda: road.bk_src.describe_copy_job(CopyJobId=started["CopyJobId"])["CopyJob"], "State")
    check(not any("PercentDone" in d for d in seen), "[copy] DescribeCopyJob has no PercentDone")
    job["_states"] = states(seen, "State")
    return job


def copies(road: Road, rp_arn: str) -> str:
    """Refused without the destination vault's policy, done with it; returns the
    destination recovery point."""
    dest_vault_arn = road.bk_dst.describe_backup_vault(BackupVaultName=road.dst_vault)["BackupVaultArn"]
    check(error_code(lambda: road.bk_dst.get_backup_vault_access_policy(BackupVaultName=road.dst_vault))
          == "ResourceNotFoundException", "[copy] no access policy yet")
    refused = copy_job(road, rp_arn, dest_vault_arn)
    check(refused["State"] == "FAILED" and "Access Denied" in refused.get("StatusMessage", ""),
          f"[copy] refused without a vault policy: {refused['State']} {refused.get('StatusMessage')}")
    check(not road.bk_dst.list_recovery_points_by_backup_vault(BackupVaultName=road.dst_vault)["RecoveryPoints"],
          "[copy] nothing copied by the refused job")

    road.bk_dst.put_backup_vault_access_policy(BackupVaultName=road.dst_vault, Policy=allow_copies_from(SOURCE))
    policy = road.bk_dst.get_backup_vault_access_policy(BackupVaultName=road.dst_vault)
    check(json.loads(policy["Policy"]) == json.loads(allow_copies_from(SOURCE)), "[copy] access policy stored")
    done = copy_job(road, rp_arn, dest_vault_arn, token="ferry-copy-1")
    check(done["State"] == "COMPLETED" and "RUNNING" in done["_states"],
          f"[copy] allowed copy states {done['_states']} {done.get('StatusMessage')}")
    listed = road.bk_src.list_copy_jobs()["CopyJobs"]
    check(sorted(j["State"] for j in listed) == ["COMPLETED", "FAILED"], "[copy] ListCopyJobs: one failed, one done")
    dest_rp = done.get("DestinationRecoveryPointArn", "")
    check(dest_rp.startswith(f"arn:aws:backup:us-east-1:{DEST}:recovery-point:"), f"[copy] destination RP {dest_rp}")
    in_dest = road.bk_dst.list_recovery_points_by_backup_vault(BackupVaultName=road.dst_vault)["RecoveryPoints"]
    check([(p["RecoveryPointArn"], p["Status"]) for p in in_dest] == [(dest_rp, "COMPLETED")]
          and in_dest[0].get("SourceBackupVaultArn", "").endswith(f":{SOURCE}:backup-vault:{road.src_vault}"),
          "[copy] recovery point in the dest vault")
    return dest_rp


def dynamodb_made_backup_is_not_copyable(road: Road, table_arn: str) -> None:
    arn = road.ddb_src.create_backup(TableName=TABLE, BackupName="ferry-native")["BackupDetails"]["BackupArn"]
    listed = road.bk_src.list_recovery_points_by_resource(ResourceArn=table_arn)["RecoveryPoints"]
    check(arn in [p["RecoveryPointArn"] for p in listed], "[copy] DynamoDB-made backup listed for the resource")
    dest_vault_arn = f"arn:aws:backup:us-east-1:{DEST}:backup-vault:{road.dst_vault}"
    job = copy_job(road, arn, dest_vault_arn)
    check(job["State"] == "FAILED" and "arn:aws:dynamodb" in job.get("StatusMessage", ""),
          f"[copy] DynamoDB-made backup not copied: {job['State']} {job.get('StatusMessage')}")


def restore(road: Road, rp_arn: str, metadata: dict, role: str | None = DST_ROLE) -> str:
    kwargs = dict(RecoveryPointArn=rp_arn, Metadata=metadata, ResourceType="DynamoDB",
                  CopySourceTagsToRestoredResource=False)
    if role is not None:
        kwargs["IamRoleArn"] = role
    return road.bk_dst.start_restore_job(**kwargs)["RestoreJobId"]


def describe_restore(road: Road, job_id: str) -> dict:
    return road.bk_dst.describe_restore_job(RestoreJobId=job_id)


def restore_in_dest(road: Road, rp_arn: str, expected: list) -> None:
    """The copied recovery point restored in dest: PENDING, RUNNING with PercentDone
    rising while the table is CREATING, then every item and both indexes."""
    check(error_code(lambda: restore(road, rp_arn, {"targetTableName": "ferry-no-role"}, role=None))
          == "ValidationException", "[restore] no IamRoleArn: ValidationException")
    check(error_code(lambda: restore(road, rp_arn, {"targetTableName": "ferry-no-role"}, role=""))
          == "ValidationException", "[restore] empty IamRoleArn: ValidationException")
    job_id = restore(road, rp_arn, {"targetTableName": "ferry-restored", "encryptionType": "Default"})
    creating = []

    def look():
        d = describe_restore(road, job_id)
        if d["Status"] == "RUNNING":
            creating.append(road.ddb_dst.describe_table(TableName="ferry-restored")["Table"]["TableStatus"])
        return d

    seen, job = watch(look, "Status")
    got = states(seen, "Status")
    running = [float(d["PercentDone"].rstrip("%")) for d in seen if d["Status"] == "RUNNING"]
    check(got[-1] == "COMPLETED" and "RUNNING" in got and set(got) <= {"PENDING", "RUNNING", "COMPLETED"},
          f"[restore] states {got} {job.get('StatusMessage')}")
    check(len(running) >= 2 and running == sorted(running) and running[-1] > running[0] and running[-1] < 100,
          f"[restore] PercentDone rises while RUNNING: {running}")
    check(all(d.get("ExpectedCompletionTimeMinutes", 0) >= 1 for d in seen if d["Status"] == "RUNNING"),
          "[restore] ExpectedCompletionTimeMinutes while RUNNING")
    check(creating and set(creating) == {"CREATING"}, f"[restore] table CREATING while RUNNING: {set(creating)}")
    table = road.ddb_dst.describe_table(TableName="ferry-restored")["Table"]
    new_arn = f"arn:aws:dynamodb:us-east-1:{DEST}:table/ferry-restored"
    check(job.get("CreatedResourceArn") == table["TableArn"] == new_arn,
          "[restore] CreatedResourceArn is the new table")
    check(table["TableStatus"] == "ACTIVE" and index_names(table) == ([LSI], [GSI])
          and table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST",
          f"[restore] ACTIVE with both indexes and the billing mode: {index_names(table)}")
    diffs = base.compare(expected, base.scan_all(road.ddb_dst, "ferry-restored"))
    check(diffs == 0, f"[restore] {diffs} differences between the backed-up and the restored items")
    listed = road.bk_dst.list_restore_jobs()["RestoreJobs"]
    check(job_id in [j["RestoreJobId"] for j in listed], "[restore] ListRestoreJobs lists it")


def restore_failures(road: Road, rp_arn: str) -> None:
    """Started together, so they cost one job length."""
    own_key = road.kms_dst.create_key()["KeyMetadata"]["Arn"]
    other_key = road.kms_src.create_key()["KeyMetadata"]["Arn"]
    cases = {
        "exists": ({"targetTableName": "ferry-restored"}, "already exists"),
        "no-name": ({"encryptionType": "Default"}, "targetTableName"),
        "wrong-key": ({"targetTableName": "ferry-wrong-key", "encryptionType": "KMS", "kmsMasterKeyArn": other_key},
                      "kmsMasterKeyArn"),
        "own-key": ({"targetTableName": "ferry-own-key", "encryptionType": "KMS", "kmsMasterKeyArn": own_key}, None),
    }
    jobs = {name: restore(road, rp_arn, meta) for name, (meta, _) in cases.items()}
    for name, (meta, message) in cases.items():
        _, job = watch(lambda: describe_restore(road, jobs[name]), "Status")
        if message:
            check(job["Status"] == "FAILED" and message in job.get("StatusMessage", ""),
                  f"[restore] {name}: {job['Status']} {job.get('StatusMessage')}")
        else:
            sse = road.ddb_dst.describe_table(TableName="ferry-own-key")["Table"].get("SSEDescription", {})
            check(job["Status"] == "COMPLETED" and sse.get("KMSMasterKeyArn") == own_key,
                  f"[restore] {name}: {job['Status']} {job.get('StatusMessage')} SSE {sse}")
    check(error_code(lambda: road.ddb_dst.describe_table(TableName="ferry-wrong-key")) == "ResourceNotFoundException",
          "[restore] no table left by the failed restore")


def point_in_time(road: Road, items: list) -> None:
    """Writes after the restore time are absent; the overrides are applied."""
    ddb = road.ddb_src
    time.sleep(1.1)  # RestoreDateTime travels with millisecond (or second) precision
    mark = datetime.now(timezone.utc)
    time.sleep(1.1)
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "late"}, "sk": {"N": "1"}, "note": {"S": "late"}})
    ddb.update_item(TableName=TABLE, Key={"pk": items[0]["pk"], "sk": items[0]["sk"]},
                    UpdateExpression="SET s = :v", ExpressionAttributeValues={":v": {"S": "changed later"}})
    gone = {"pk": items[1]["pk"], "sk": items[1]["sk"]}
    ddb.batch_write_item(RequestItems={TABLE: [{"DeleteRequest": {"Key": gone}}]})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {
        "pk": {"S": "late-tx"}, "sk": {"N": "1"}, "note": {"S": "tx"}}}}])
    ddb.restore_table_to_point_in_time(
        SourceTableName=TABLE, TargetTableName="ferry-pit", RestoreDateTime=mark,
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        GlobalSecondaryIndexOverride=[])
    latest = ddb.restore_table_to_point_in_time(SourceTableName=TABLE, TargetTableName="ferry-pit-latest",
                                                UseLatestRestorableTime=True)["TableDescription"]
    check(latest["TableStatus"] == "CREATING" and latest["RestoreSummary"]["RestoreInProgress"] is True,
          "[pitr] the restored table is CREATING at first")
    check(error_code(lambda: ddb.restore_table_to_point_in_time(
        SourceTableName=TABLE, TargetTableName="ferry-pit-old",
        RestoreDateTime=datetime(2020, 1, 1, tzinfo=timezone.utc)))
        == "InvalidRestoreTimeException", "[pitr] a time before PITR was on is refused")
    for name in ("ferry-pit", "ferry-pit-latest"):
        base.wait_for(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE" or None,
                      f"{name} ACTIVE", timeout=30)
    at_mark = base.scan_all(ddb, "ferry-pit")
    check(base.compare(items, at_mark) == 0, "[pitr] restored at the mark: the items as they were, no later write")
    pit = ddb.describe_table(TableName="ferry-pit")["Table"]
    check(index_names(pit) == ([LSI], []) and pit["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
          and pit["ProvisionedThroughput"]["ReadCapacityUnits"] == 7, f"[pitr] overrides applied: {index_names(pit)}")
    now = {(i["pk"]["S"], i["sk"]["N"]): i for i in base.scan_all(ddb, "ferry-pit-latest")}
    first, second = (items[0]["pk"]["S"], items[0]["sk"]["N"]), (items[1]["pk"]["S"], items[1]["sk"]["N"])
    check(("late", "1") in now and ("late-tx", "1") in now and now[first]["s"]["S"] == "changed later"
          and second not in now,
          "[pitr] latest restorable time has the later writes")


def restore_from_backup_keeps_indexes(road: Road) -> None:
    arn = road.ddb_src.create_backup(TableName=TABLE, BackupName="ferry-keep")["BackupDetails"]["BackupArn"]
    features = road.ddb_src.describe_backup(BackupArn=arn)["BackupDescription"].get("SourceTableFeatureDetails", {})
    check(index_names(features) == ([LSI], [GSI]), "[dynamodb] DescribeBackup lists both indexes")
    road.ddb_src.restore_table_from_backup(TargetTableName="ferry-from-backup", BackupArn=arn)
    base.wait_for(lambda: road.ddb_src.describe_table(TableName="ferry-from-backup")["Table"]["TableStatus"] == "ACTIVE"
                  or None, "restored from backup", timeout=30)
    table = road.ddb_src.describe_table(TableName="ferry-from-backup")["Table"]
    check(index_names(table) == ([LSI], [GSI]) and table["ItemCount"] == N_ITEMS + 2,
          f"[dynamodb] RestoreTableFromBackup keeps LSI and GSI: {index_names(table)}, {table['ItemCount']} items")


def one_organization(road: Road) -> None:
    """The two accounts join one organization through an invitation (moto has none)."""
    check(error_code(road.org_dst.describe_organization) == "AWSOrganizationsNotInUseException",
          "[org] dest is in no organization at first")
    org = road.org_src.create_organization(FeatureSet="ALL")["Organization"]
    target = {"Id": DEST, "Type": "ACCOUNT"}
    shake = road.org_src.invite_account_to_organization(Target=target, Notes="ferry")["Handshake"]
    check(shake["State"] == "OPEN" and shake["Action"] == "INVITE", f"[org] invitation {shake['State']}")
    check(error_code(lambda: road.org_src.invite_account_to_organization(Target=target))
          == "DuplicateHandshakeException", "[org] a second open invitation is refused")
    listed = road.org_dst.list_handshakes_for_account()["Handshakes"]
    check([h["Id"] for h in listed] == [shake["Id"]], "[org] dest lists the invitation")
    check(error_code(lambda: road.org_src.accept_handshake(HandshakeId=shake["Id"])) == "AccessDeniedException",
          "[org] only the invited account accepts")
    accepted = road.org_dst.accept_handshake(HandshakeId=shake["Id"])["Handshake"]
    check(accepted["State"] == "ACCEPTED", "[org] dest accepts")
    seen = road.org_dst.describe_organization()["Organization"]
    check((seen["Id"], seen["MasterAccountId"]) == (org["Id"], SOURCE),
          f"[org] dest's organization is source's: {seen['Id']} managed by {seen['MasterAccountId']}")
    members = {a["Id"]: a["JoinedMethod"] for a in road.org_src.list_accounts()["Accounts"]}
    check(members == {SOURCE: "CREATED", DEST: "INVITED"}, f"[org] ListAccounts {members}")
    check(error_code(lambda: road.org_src.invite_account_to_organization(Target=target))
          == "DuplicateAccountException", "[org] a member cannot be invited again")


def account_settings(road: Road) -> None:
    """DescribeGlobalSettings / DescribeRegionSettings with AWS's defaults, then changed;
    a member of the organization reads its management account's global settings."""
    glob = road.bk_src.describe_global_settings()
    check(glob["GlobalSettings"].get("isCrossAccountBackupEnabled") == "false" and "LastUpdateTime" not in glob,
          f"[settings] cross-account backup off by default: {glob['GlobalSettings']}")
    road.bk_src.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    for label, client in (("source", road.bk_src), ("dest", road.bk_dst)):
        glob = client.describe_global_settings()
        check(glob["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
              and isinstance(glob.get("LastUpdateTime"), datetime),
              f"[settings] {label} reads cross-account backup on")
    check(error_code(lambda: road.bk_src.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "x"}))
          == "InvalidParameterValueException", "[settings] a setting that is not true/false is refused")
    region = road.bk_src.describe_region_settings()
    check(region["ResourceTypeManagementPreference"].get("DynamoDB") is False
          and region["ResourceTypeOptInPreference"].get("DynamoDB") is True,
          f"[settings] advanced DynamoDB backup off, DynamoDB opted in: {region['ResourceTypeManagementPreference']}")
    road.bk_src.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    check(road.bk_src.describe_region_settings()["ResourceTypeManagementPreference"]["DynamoDB"] is True,
          "[settings] advanced DynamoDB backup turned on")
    check(road.bk_dst.describe_region_settings()["ResourceTypeManagementPreference"]["DynamoDB"] is False,
          "[settings] region settings stay per account")
    vault = road.bk_src.describe_backup_vault(BackupVaultName=road.src_vault)
    check(vault.get("EncryptionKeyArn", "").startswith(f"arn:aws:kms:us-east-1:{SOURCE}:key/")
          and vault.get("NumberOfRecoveryPoints") == 0,
          f"[settings] DescribeBackupVault: the default key, no recovery point: {vault.get('EncryptionKeyArn')}")
    check(error_code(lambda: road.bk_src.describe_backup_vault(BackupVaultName="ferry-no-vault"))
          == "ResourceNotFoundException", "[settings] DescribeBackupVault of a missing vault")


def reset_clears_everything(road: Road, exports: dict) -> None:
    """POST /moto-api/reset forgets the organization, the settings and the jobs."""
    import urllib.request
    request = urllib.request.Request(exports["DDB_FERRY_EMULATOR_URL"] + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    check(error_code(road.org_dst.describe_organization) == "AWSOrganizationsNotInUseException"
          and error_code(road.org_src.describe_organization) == "AWSOrganizationsNotInUseException",
          "[reset] no organization left")
    check(road.bk_src.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == "false"
          and road.bk_src.describe_region_settings()["ResourceTypeManagementPreference"]["DynamoDB"] is False,
          "[reset] settings back to their defaults")
    check(road.bk_src.list_backup_jobs()["BackupJobs"] == [] and road.bk_dst.list_restore_jobs()["RestoreJobs"] == [],
          "[reset] no job left")
    check(road.org_dst.list_handshakes_for_account()["Handshakes"] == [], "[reset] no invitation left")


def backup_scenario(exports: dict) -> None:
    road = Road(exports)
    table_arn = create_indexed_table(road.ddb_src, TABLE)
    road.ddb_src.update_continuous_backups(TableName=TABLE,
                                           PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    items = indexed_items(N_ITEMS)
    fill(road.ddb_src, TABLE, items)
    expected = base.scan_all(road.ddb_src, TABLE)
    road.bk_src.create_backup_vault(BackupVaultName=road.src_vault)
    road.bk_dst.create_backup_vault(BackupVaultName=road.dst_vault)

    one_organization(road)
    account_settings(road)
    rp_arn, _ = backup_job(road, table_arn)
    recovery_point_views(road, table_arn, rp_arn)
    dest_rp = copies(road, rp_arn)
    restore_in_dest(road, dest_rp, expected)
    restore_failures(road, dest_rp)
    dynamodb_made_backup_is_not_copyable(road, table_arn)
    point_in_time(road, base.scan_all(road.ddb_src, TABLE))
    restore_from_backup_keeps_indexes(road)
    reset_clears_everything(road, exports)


def drop_index_scenario(exports: dict) -> None:
    """FERRY_EMU_RESTORE_DROP_INDEX=by-group: both restore paths lose the GSI, silently."""
    road = Road(exports)
    table_arn = create_indexed_table(road.ddb_src, TABLE)
    fill(road.ddb_src, TABLE, indexed_items(10))
    arn = road.ddb_src.create_backup(TableName=TABLE, BackupName="ferry-drop")["BackupDetails"]["BackupArn"]
    road.ddb_src.restore_table_from_backup(TargetTableName="ferry-dropped", BackupArn=arn)
    road.bk_src.create_backup_vault(BackupVaultName=road.src_vault)
    job = road.bk_src.start_backup_job(BackupVaultName=road.src_vault, ResourceArn=table_arn, IamRoleArn=SRC_ROLE)
    watch(lambda: road.bk_src.describe_backup_job(BackupJobId=job["BackupJobId"]), "State")
    restore_id = road.bk_src.start_restore_job(RecoveryPointArn=job["RecoveryPointArn"], IamRoleArn=SRC_ROLE,
                                               Metadata={"targetTableName": "ferry-dropped-2"})["RestoreJobId"]
    _, done = watch(lambda: road.bk_src.describe_restore_job(RestoreJobId=restore_id), "Status")
    check(done["Status"] == "COMPLETED", "[drop-index] the restore job still says COMPLETED")
    for name in ("ferry-dropped", "ferry-dropped-2"):
        base.wait_for(lambda: road.ddb_src.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE" or None,
                      name, timeout=30)
        table = road.ddb_src.describe_table(TableName=name)["Table"]
        check(index_names(table) == ([LSI], []) and table["ItemCount"] == 10,
              f"[drop-index] {name} lost {GSI} only: {index_names(table)}")


def main() -> int:
    job_knobs = {"FERRY_EMU_BACKUP_JOB_S": str(JOB_S), "FERRY_EMU_COPY_JOB_S": str(JOB_S),
                 "FERRY_EMU_RESTORE_JOB_S": str(JOB_S)}
    phases = [
        ("backup", job_knobs, backup_scenario),
        ("drop-index", {"FERRY_EMU_BACKUP_JOB_S": "0.5", "FERRY_EMU_RESTORE_JOB_S": "0.5",
                        "FERRY_EMU_RESTORE_DROP_INDEX": GSI}, drop_index_scenario),
    ]
    t0 = time.time()
    for label, knobs, scenario in phases:
        state_dir = tempfile.mkdtemp(prefix=f"ferry-backup-selfcheck-{label}-")
        try:
            exports = base.start_emulator(state_dir, knobs)
            print(f"[{label}] emulator {exports['DDB_FERRY_EMULATOR_URL']}", file=sys.stderr)
            scenario(exports)
        except Exception as exc:  # report, stop the emulator, keep going
            check(False, f"[{label}] crashed: {exc!r}")
            log = os.path.join(state_dir, "moto.log")
            if os.path.exists(log):
                print("".join(open(log, errors="replace").readlines()[-20:]), file=sys.stderr)
        finally:
            base.stop_emulator(state_dir)
    ok = not base.failures
    print(f"backup selfcheck {'OK' if ok else 'FAILED'}: {len(phases)} emulators, "
          f"{base.checks - len(base.failures)}/{base.checks} checks passed in {time.time() - t0:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
