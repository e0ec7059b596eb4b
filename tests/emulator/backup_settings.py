"""AWS Backup's account settings, which moto 5.2.5 lacks, for the backup road's preflight:

    DescribeGlobalSettings, UpdateGlobalSettings   (GET/PUT /global-settings)
        isCrossAccountBackupEnabled (default "false"), isMpaEnabled,
        isDelegatedAdministratorEnabled (default "false"), LastUpdateTime.
    DescribeRegionSettings, UpdateRegionSettings   (GET/PUT /account-settings)
        ResourceTypeOptInPreference (every type true), ResourceTypeManagementPreference
        (DynamoDB false: advanced DynamoDB backup off, EFS true),
        ResourceTypeOptInIncremental (DynamoDB false).

Imported by launcher.py, which calls install(). Simplified on purpose:

- AWS keeps the global settings for the organization: only its management account may
  change them, and an account outside any organization gets an error. Here any account
  may read and change them; an account that is a member of an emulated organization
  (organizations_emulation.py) reads its management account's settings, as the setting
  is the organization's.
- The settings are stored and reported only: copies and backup jobs do not look at them
  (a backup job always makes an AWS Backup recovery point, arn:aws:backup:…, as if
  advanced DynamoDB backup were on).

State lives on moto's per-account, per-Region BackupBackend, so POST /moto-api/reset
clears it with everything else.
"""

import json
from datetime import datetime, timezone

from moto.backup import urls as backup_urls
from moto.backup.exceptions import InvalidParameterValueException
from moto.backup.models import BackupBackend, backup_backends
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.organizations.models import organizations_backends

GLOBAL_DEFAULTS = {"isCrossAccountBackupEnabled": "false", "isMpaEnabled": "false",
                   "isDelegatedAdministratorEnabled": "false"}
OPT_IN_TYPES = ["Aurora", "CloudFormation", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx",
                "Neptune", "RDS", "Redshift", "S3", "SAP HANA on Amazon EC2", "Storage Gateway",
                "Timestream", "VirtualMachine"]


class Settings:
    def __init__(self):
        self.global_settings = dict(GLOBAL_DEFAULTS)
        self.global_updated: datetime | None = None
        self.opt_in = {t: True for t in OPT_IN_TYPES}
        self.management = {"DynamoDB": False, "EFS": True}
        self.incremental = {"DynamoDB": False}


def settings_of(backend: BackupBackend) -> Settings:
    if not hasattr(backend, "_emu_settings"):
        backend._emu_settings = Settings()
    return backend._emu_settings


def _global_owner(backend: BackupBackend) -> BackupBackend:
    """The backend whose global settings apply: the management account's when the
    caller is a member of an organization, else the caller's own."""
    member_of = organizations_backends.master_accounts.get(backend.account_id)
    if member_of is None:
        return backend
    return backup_backends[member_of[0]][backend.region_name]


def _body(handler: BackupResponse) -> dict:
    try:
        body = json.loads(handler.body or "{}")
    except ValueError:
        raise InvalidParameterValueException("The request body is not JSON")
    return body if isinstance(body, dict) else {}


def _bool_map(value, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
        raise InvalidParameterValueException(f"{name} must map resource types to true or false")
    return value


def describe_global_settings(self):
    st = settings_of(_global_owner(self.backup_backend))
    result = {"GlobalSettings": dict(st.global_settings)}
    if st.global_updated:
        result["LastUpdateTime"] = st.global_updated
    return ActionResult(result)


def update_global_settings(self):
    wanted = _body(self).get("GlobalSettings") or {}
    if not isinstance(wanted, dict):
        raise InvalidParameterValueException("GlobalSettings must be a map")
    for key, value in wanted.items():
        if key not in GLOBAL_DEFAULTS or str(value).lower() not in ("true", "false"):
            raise InvalidParameterValueException(f"Invalid global setting {key}={value}")
    st = settings_of(_global_owner(self.backup_backend))
    st.global_settings.update({k: str(v).lower() for k, v in wanted.items()})
    st.global_updated = datetime.now(timezone.utc)
    return EmptyResult()


def describe_region_settings(self):
    st = settings_of(self.backup_backend)
    return ActionResult({"ResourceTypeOptInPreference": dict(st.opt_in),
                         "ResourceTypeManagementPreference": dict(st.management),
                         "ResourceTypeOptInIncremental": dict(st.incremental)})


def update_region_settings(self):
    body = _body(self)
    st = settings_of(self.backup_backend)
    st.opt_in.update(_bool_map(body.get("ResourceTypeOptInPreference"), "ResourceTypeOptInPreference"))
    management = _bool_map(body.get("ResourceTypeManagementPreference"), "ResourceTypeManagementPreference")
    unknown = set(management) - {"DynamoDB", "EFS"}
    if unknown:
        raise InvalidParameterValueException(f"Full AWS Backup management is not available for {sorted(unknown)}")
    st.management.update(management)
    st.incremental.update(_bool_map(body.get("ResourceTypeOptInIncremental"), "ResourceTypeOptInIncremental"))
    return EmptyResult()


def install() -> None:
    for path in ("{0}/global-settings$", "{0}/account-settings$"):
        backup_urls.url_paths[path] = backup_urls.response.dispatch
    for fn in (describe_global_settings, update_global_settings, describe_region_settings,
               update_region_settings):
        setattr(BackupResponse, fn.__name__, fn)
