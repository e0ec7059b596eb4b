"""AWS Organizations invitations, on top of moto 5.2.5's organizations.

Imported by launcher.py, which calls install(). moto can create an organization and
create new member accounts (with random ids), but an existing account cannot join:
there are no handshakes. The emulator's two fixed accounts (123456789012 and
222222222222) must be able to share one organization, as AWS Backup requires for a
cross-account copy, so this module adds, through the normal wire protocol:

    InviteAccountToOrganization   (management account; Target Type ACCOUNT)
    ListHandshakesForAccount, DescribeHandshake
    AcceptHandshake, DeclineHandshake   (the invited account)

An accepted invitation makes the account a member (JoinedMethod INVITED): its
DescribeOrganization answers the organization, ListAccounts of the management account
lists it, moto's default policies are attached to it.

moto keeps its member-account map (organizations_backends.master_accounts) outside the
per-account backends, so POST /moto-api/reset left members pointing at a deleted
organization (DescribeOrganization then crashed with HTTP 500). reset() now clears it,
and the handshakes, with everything else.
"""

import json
import logging
import random
import string
import threading

from moto.core.utils import unix_time, utcnow
from moto.moto_api._internal.models import MotoAPIBackend
from moto.organizations import utils as org_utils
from moto.organizations.exceptions import AWSOrganizationsNotInUseException, OrganizationsClientError
from moto.organizations.models import FakeAccount, organizations_backends
from moto.organizations.responses import OrganizationsResponse

log = logging.getLogger("ferry-emu.organizations")
LOCK = threading.RLock()
HANDSHAKE_DAYS = 15  # AWS: an invitation expires after 15 days

# handshake id -> Handshake; module state, cleared by reset() below.
HANDSHAKES: dict = {}


def _error(code: str, message: str) -> OrganizationsClientError:
    return OrganizationsClientError(code, message)


class Handshake:
    def __init__(self, org, target_account: str, notes: str | None):
        self.id = "h-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=10))
        self.org = org
        self.target = target_account
        self.notes = notes
        self.state = "OPEN"
        self.requested = utcnow()

    def describe(self) -> dict:
        resources = [{"Type": "ORGANIZATION", "Value": self.org.id},
                     {"Type": "ACCOUNT", "Value": self.target}]
        if self.notes:
            resources.append({"Type": "NOTES", "Value": self.notes})
        return {
            "Id": self.id,
            "Arn": f"arn:aws:organizations::{self.org.master_account_id}:handshake/{self.org.id}/invite/{self.id}",
            "Parties": [{"Id": self.org.id, "Type": "ORGANIZATION"}, {"Id": self.target, "Type": "ACCOUNT"}],
            "State": self.state,
            "RequestedTimestamp": unix_time(self.requested),
            "ExpirationTimestamp": unix_time(self.requested) + HANDSHAKE_DAYS * 86400,
            "Action": "INVITE",
            "Resources": resources,
        }


def _in_an_organization(account_id: str) -> bool:
    if account_id in organizations_backends.master_accounts:
        return True
    backend = organizations_backends[account_id]["aws"]
    return backend.org is not None


def _member_account(org, account_id: str) -> FakeAccount:
    """A FakeAccount for an existing account: moto's constructor draws a new random id
    (and makes a role in it), which an invited account must not get."""
    acct = FakeAccount.__new__(FakeAccount)
    acct.type = "ACCOUNT"
    acct.region = org.region
    acct.organization_id = org.id
    acct.master_account_id = org.master_account_id
    acct.create_account_status_id = org_utils.make_random_create_account_status_id()
    acct.id = account_id
    acct.name = account_id
    acct.email = f"{account_id}@example.com"
    acct.create_time = utcnow()
    acct.status = acct.state = "ACTIVE"
    acct.joined_method = "INVITED"
    acct.parent_id = org.root_id
    acct.attached_policies = []
    acct.tags = {}
    return acct


def _handshake_for(handler: OrganizationsResponse) -> Handshake:
    hid = handler._get_param("HandshakeId")
    shake = HANDSHAKES.get(hid)
    caller = handler.current_account
    if shake is None or caller not in (shake.target, shake.org.master_account_id):
        raise _error("HandshakeNotFoundException", f"Handshake {hid} not found")
    return shake


def invite_account_to_organization(self) -> str:
    backend = self.organizations_backend
    if backend.org is None:
        if self.current_account in organizations_backends.master_accounts:
            raise _error("AccessDeniedException", "Only the management account can invite accounts")
        raise AWSOrganizationsNotInUseException()
    target = self._get_param("Target") or {}
    account = str(target.get("Id", ""))
    if target.get("Type") != "ACCOUNT" or not (account.isdigit() and len(account) == 12):
        raise _error("InvalidInputException", "The emulator invites by account id only (Target Type ACCOUNT, 12 digits)")
    with LOCK:
        if account == backend.account_id or any(a.id == account for a in backend.accounts):
            raise _error("DuplicateAccountException", "That account is already present in the specified organization.")
        if _in_an_organization(account):
            raise _error("HandshakeConstraintViolationException",
                         "The account is already a member of another organization. (Reason: ACCOUNT_IN_ANOTHER_ORGANIZATION)")
        if any(h.target == account and h.org is backend.org and h.state == "OPEN" for h in HANDSHAKES.values()):
            raise _error("DuplicateHandshakeException", "An open invitation for this account already exists.")
        shake = Handshake(backend.org, account, self._get_param("Notes"))
        HANDSHAKES[shake.id] = shake
    log.info("invitation %s: account %s to %s", shake.id, account, backend.org.id)
    return json.dumps({"Handshake": shake.describe()})


def list_handshakes_for_account(self) -> str:
    caller = self.current_account
    shakes = [h.describe() for h in HANDSHAKES.values() if h.target == caller]
    return json.dumps({"Handshakes": shakes})


def describe_handshake(self) -> str:
    return json.dumps({"Handshake": _handshake_for(self).describe()})


def accept_handshake(self) -> str:
    shake = _handshake_for(self)
    if self.current_account != shake.target:
        raise _error("AccessDeniedException", "Only the invited account can accept an invitation")
    with LOCK:
        if shake.state != "OPEN":
            raise _error("InvalidHandshakeTransitionException", f"The handshake is {shake.state}")
        if _in_an_organization(shake.target):
            raise _error("HandshakeConstraintViolationException",
                         "The account is already a member of an organization. (Reason: ALREADY_IN_AN_ORGANIZATION)")
        master = organizations_backends[shake.org.master_account_id]["aws"]
        if master.org is not shake.org:
            raise _error("HandshakeNotFoundException", "The organization of this invitation no longer exists")
        master.accounts.append(_member_account(shake.org, shake.target))
        for policy_id in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID):
            master.attach_policy(PolicyId=policy_id, TargetId=shake.target)
        organizations_backends.master_accounts[shake.target] = (master.account_id, master.partition)
        shake.state = "ACCEPTED"
    log.info("invitation %s accepted: %s joined %s", shake.id, shake.target, shake.org.id)
    return json.dumps({"Handshake": shake.describe()})


def decline_handshake(self) -> str:
    shake = _handshake_for(self)
    if self.current_account != shake.target:
        raise _error("AccessDeniedException", "Only the invited account can decline an invitation")
    with LOCK:
        if shake.state != "OPEN":
            raise _error("InvalidHandshakeTransitionException", f"The handshake is {shake.state}")
        shake.state = "DECLINED"
    return json.dumps({"Handshake": shake.describe()})


_reset_before = MotoAPIBackend.reset


def _reset(self) -> None:
    _reset_before(self)
    with LOCK:
        organizations_backends.master_accounts.clear()
        HANDSHAKES.clear()


def install() -> None:
    for fn in (invite_account_to_organization, list_handshakes_for_account, describe_handshake,
               accept_handshake, decline_handshake):
        setattr(OrganizationsResponse, fn.__name__, fn)
    MotoAPIBackend.reset = _reset
