#!/usr/bin/env python3
"""Puts in place, in the local emulator, what the backup road needs across two accounts
(used by `tests/emulator/demo backup`), as an administrator would in real AWS:

- both accounts in one AWS Organization (source creates it and invites dest, dest accepts),
  with cross-account backup turned on;
- AWS Backup's advanced DynamoDB features on in the source account;
- the vault `Default` in each account (AWS creates it the first time the console opens).

The destination vault's access policy is left empty: ddb-ferry shows the statement it
needs and adds it once the person agrees.

Needs AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE from `local-aws start`.
usage: prepare_backup_road.py [--source source] [--dest dest]
"""

import argparse
import sys

import boto3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default="source")
    ap.add_argument("--dest", default="dest")
    args = ap.parse_args()
    source = boto3.Session(profile_name=args.source)
    dest = boto3.Session(profile_name=args.dest)
    dest_account = dest.client("sts").get_caller_identity()["Account"]

    org = source.client("organizations")
    org.create_organization(FeatureSet="ALL")
    handshake = org.invite_account_to_organization(Target={"Id": dest_account, "Type": "ACCOUNT"})
    dest.client("organizations").accept_handshake(HandshakeId=handshake["Handshake"]["Id"])

    backup = source.client("backup")
    backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    for session in (source, dest):
        session.client("backup").create_backup_vault(BackupVaultName="Default")
    print(f"one Organization with cross-account backup on; advanced DynamoDB backup features on "
          f"in the source account; vault Default in both accounts (dest {dest_account})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
