"""Concurrency quotas of DynamoDB exports and imports, LimitExceededException on demand,
and a statistics file of calls and running jobs, on top of moto 5.2.5.

Imported by launcher.py (after its export/import patches), which calls install(). What
moto lacks, and what this module does instead:

- moto starts any number of exports and imports at once. Real AWS runs at most 50 imports
  (ImportTable) and about 300 exports (ExportTableToPointInTime) at a time per account and
  Region, and answers a start call over its quota with LimitExceededException (HTTP 400).
  Here FERRY_EMU_EXPORT_LIMIT / FERRY_EMU_IMPORT_LIMIT set such a quota (none by default:
  AWS's own numbers are not enforced): a start call while that many jobs of its kind are
  IN_PROGRESS in the caller's account and Region is refused the same way and starts
  nothing. A job counts while its status reads IN_PROGRESS, i.e. until the launcher's
  FERRY_EMU_EXPORT_DELAY_S / FERRY_EMU_IMPORT_DELAY_S have elapsed (and moto's own work is
  done). A refused call that carries the ClientToken of a job already started in that
  account and Region answers that job instead, as AWS answers an idempotent repeat.
- A test of backoff needs refusals whatever is running: FERRY_EMU_LIMIT_EXCEEDED_FIRST=N
  refuses the first N ExportTableToPointInTime calls and, separately, the first N
  ImportTable calls of the emulator's life.
- Nothing tells a test how many calls a run made or how many jobs ran at once. With
  FERRY_EMU_STATS_FILE=PATH the emulator keeps a JSON file there, rewritten atomically
  (temporary file + os.replace) before the answer of every DynamoDB call is sent:

      {"calls":         {ACCOUNT: {"DynamoDB.<Operation>": n, ...}},
       "running":       {ACCOUNT: {"exports": n, "imports": n}},
       "peak_running":  {ACCOUNT: {"exports": n, "imports": n}},
       "refused_limit": {ACCOUNT: {"exports": n, "imports": n}},
       "write_faults":  {ACCOUNT: {"unprocessed_items": n, "throttled": n}}}

  "write_faults" is there only when FERRY_EMU_UNPROCESSED_SHARE or FERRY_EMU_THROTTLE_SHARE
  is above 0 (write_history.py): the BatchWriteItem requests handed back in
  UnprocessedItems, and the write calls answered ProvisionedThroughputExceededException.

  ACCOUNT is the account the request's credentials map to (moto resolves it from the
  access key; the role profile's temporary keys map to the role's account). "calls"
  counts every DynamoDB JSON-protocol call by its X-Amz-Target operation (refused ones
  too); "running" is the number of IN_PROGRESS jobs summed over the account's Regions, as
  of the last DynamoDB call; "peak_running" the highest such number seen, sampled at every
  DynamoDB call (starts, describes and lists included); "refused_limit" the start calls
  answered LimitExceededException (by a quota or by LIMIT_EXCEEDED_FIRST). Counters and
  the LIMIT_EXCEEDED_FIRST count live as long as the process: POST /moto-api/reset does
  not clear them (it does end the jobs it forgets, so "running" drops).

Knobs (read once at start, through knobs.py: a bad value stops the launcher):
    FERRY_EMU_EXPORT_LIMIT          int, default 0 (no quota)
    FERRY_EMU_IMPORT_LIMIT          int, default 0 (no quota)
    FERRY_EMU_LIMIT_EXCEEDED_FIRST  int, default 0
    FERRY_EMU_STATS_FILE            path, default none (no file, nothing counted)
"""

import json
import logging
import os
import sys
import threading

from knobs import env_int, env_str

EXPORT_LIMIT = env_int("FERRY_EMU_EXPORT_LIMIT", 0)
IMPORT_LIMIT = env_int("FERRY_EMU_IMPORT_LIMIT", 0)
LIMIT_EXCEEDED_FIRST = env_int("FERRY_EMU_LIMIT_EXCEEDED_FIRST", 0)
STATS_FILE = os.path.abspath(env_str("FERRY_EMU_STATS_FILE")) if env_str("FERRY_EMU_STATS_FILE") else ""

from moto.core.responses import ActionResult  # noqa: E402
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402

log = logging.getLogger("ferry-emu.limits")

# AWS's default quotas, named in the message of a LIMIT_EXCEEDED_FIRST refusal when no
# FERRY_EMU_*_LIMIT is set.
AWS_EXPORT_QUOTA = 300
AWS_IMPORT_QUOTA = 50


class LimitExceededException(DynamodbException):
    error_type = ERROR_TYPE_PREFIX + "LimitExceededException"

    def __init__(self, message: str):
        super().__init__(LimitExceededException.error_type, message=message)


class _Kind:
    """What differs between exports and imports."""

    def __init__(self, name: str, limit: int, aws_quota: int, jobs_attr: str, result_key: str):
        self.name = name  # "exports" / "imports": the stats file's key
        self.limit = limit
        self.aws_quota = aws_quota
        self.jobs_attr = jobs_attr  # the backend's dict of jobs by ARN
        self.result_key = result_key
        self.calls = 0  # start calls so far, for LIMIT_EXCEEDED_FIRST

    def jobs(self, backend) -> list:
        return list(getattr(backend, self.jobs_attr).values())

    def running(self, backend) -> int:
        return sum(1 for job in self.jobs(backend) if job.status == "IN_PROGRESS")

    def message(self) -> str:
        return f"There is a limit of {self.limit or self.aws_quota} concurrent {self.name}"


EXPORTS = _Kind("exports", EXPORT_LIMIT, AWS_EXPORT_QUOTA, "table_exports", "ExportDescription")
IMPORTS = _Kind("imports", IMPORT_LIMIT, AWS_IMPORT_QUOTA, "table_imports", "ImportTableDescription")
KINDS = (EXPORTS, IMPORTS)

# Held from the quota check to the job's start, so that two concurrent start calls cannot
# both take the last place (moto's server answers each request in its own thread).
_start_lock = threading.Lock()


class _Stats:
    def __init__(self, path: str):
        self.path = path
        self.tmp = f"{path}.tmp"
        self.lock = threading.Lock()
        self.calls: dict = {}
        self.running: dict = {}
        self.peak: dict = {}
        self.refused: dict = {}
        self.write_faults: dict | None = None  # {} once write_history.py's fault knobs are on

    def _account(self, account: str) -> None:
        if account not in self.calls:
            self.calls[account] = {}
            for table in (self.running, self.peak, self.refused):
                table[account] = {kind.name: 0 for kind in KINDS}

    def refusal(self, account: str, kind: _Kind) -> None:
        with self.lock:
            self._account(account)
            self.refused[account][kind.name] += 1

    def write_fault(self, account: str, what: str, n: int) -> None:
        with self.lock:
            if self.write_faults is None:
                self.write_faults = {}
            per = self.write_faults.setdefault(account, {"unprocessed_items": 0, "throttled": 0})
            per[what] += n

    def after_call(self, account: str, operation: str) -> None:
        """Counts the call, samples the running jobs of every account, rewrites the file."""
        with self.lock:
            self._account(account)
            key = f"DynamoDB.{operation}"
            self.calls[account][key] = self.calls[account].get(key, 0) + 1
            for acct, per_region in list(dict.items(dynamodb_backends)):
                backends = list(dict.values(per_region))
                if not backends and acct not in self.calls:
                    continue
                self._account(acct)
                for kind in KINDS:
                    n = sum(kind.running(b) for b in backends)
                    self.running[acct][kind.name] = n
                    self.peak[acct][kind.name] = max(self.peak[acct][kind.name], n)
            self._write()

    def _write(self) -> None:
        doc = {"calls": self.calls, "running": self.running,
               "peak_running": self.peak, "refused_limit": self.refused}
        if self.write_faults is not None:
            doc["write_faults"] = self.write_faults
        with open(self.tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, sort_keys=True)
        os.replace(self.tmp, self.path)


_stats = _Stats(STATS_FILE) if STATS_FILE else None


def enable_write_faults() -> None:
    """write_history.py's fault knobs are on: the stats file gets "write_faults"."""
    if _stats:
        with _stats.lock:
            if _stats.write_faults is None:
                _stats.write_faults = {}


def count_write_fault(account: str, what: str, n: int) -> None:
    """Items left in UnprocessedItems ("unprocessed_items") or calls answered
    ProvisionedThroughputExceededException ("throttled") by write_history.py's knobs."""
    if _stats:
        _stats.write_fault(account, what, n)


def _guarded_start(kind: _Kind, orig):
    """A start call (ExportTableToPointInTime / ImportTable) behind the quota knobs."""

    def start(self):
        backend = self.dynamodb_backend
        token = self.body.get("ClientToken")
        with _start_lock:
            kind.calls += 1
            refuse = kind.calls <= LIMIT_EXCEEDED_FIRST or (
                kind.limit > 0 and kind.running(backend) >= kind.limit)
            if refuse:
                earlier = [j for j in kind.jobs(backend)
                           if token and getattr(j, "_emu_client_token", None) == token]
                if earlier:
                    return ActionResult({kind.result_key: earlier[0].response()})
                if _stats:
                    _stats.refusal(self.current_account, kind)
                log.info("%s: LimitExceededException for %s (call %d)", self._get_action(),
                         self.current_account, kind.calls)
                raise LimitExceededException(kind.message())
            jobs = getattr(backend, kind.jobs_attr)
            before = set(jobs)
            try:
                return orig(self)
            finally:
                for arn in set(jobs) - before:
                    jobs[arn]._emu_client_token = token

    return start


def _counting_call_action(orig):
    def call_action(self):
        try:
            return orig(self)
        finally:
            operation = self._get_action()
            if operation:
                _stats.after_call(self.current_account, operation)

    return call_action


def install() -> None:
    DynamoHandler.export_table_to_point_in_time = _guarded_start(
        EXPORTS, DynamoHandler.export_table_to_point_in_time)
    DynamoHandler.import_table = _guarded_start(IMPORTS, DynamoHandler.import_table)
    if _stats:
        try:
            with _stats.lock:
                _stats._write()
        except OSError as exc:
            sys.exit(f"launcher: FERRY_EMU_STATS_FILE={STATS_FILE!r}: cannot write it: {exc}")
        DynamoHandler.call_action = _counting_call_action(DynamoHandler.call_action)
