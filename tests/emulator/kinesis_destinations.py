"""Kinesis streaming destinations of DynamoDB tables, which moto 5.2.5 lacks.

WHY: before catch-up writes into the new table, ddb-ferry asks
DescribeKinesisStreamingDestination whether the table's changes go to a Kinesis stream
(readers of that stream would see every catch-up write). moto answers that call with an
error, which the SDK retries for seconds before giving up. This keeps, per table, the
destinations set with EnableKinesisStreamingDestination (ACTIVE at once; no stream is
written) and forgets them on DisableKinesisStreamingDestination (DISABLED), as AWS lists
them. The stream's existence is not checked.
"""

from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.responses import DynamoHandler, DynamoResult


def _table(handler: DynamoHandler):
    name = handler.body.get("TableName", "")
    backend = handler.dynamodb_backend
    if "/" in name and name.startswith("arn:"):
        name = name.split("/", 1)[1]
    try:
        return backend.get_table(name)
    except Exception:
        raise ResourceNotFoundException(table_name=name)


def _destinations(table) -> list:
    if not hasattr(table, "_emu_kinesis"):
        table._emu_kinesis = []
    return table._emu_kinesis


def describe_kinesis_streaming_destination(handler: DynamoHandler):
    table = _table(handler)
    return DynamoResult({
        "TableName": table.name,
        "KinesisDataStreamDestinations": list(_destinations(table)),
    })


def _set(handler: DynamoHandler, status: str):
    table = _table(handler)
    arn = handler.body.get("StreamArn", "")
    kept = [d for d in _destinations(table) if d["StreamArn"] != arn]
    kept.append({"StreamArn": arn, "DestinationStatus": status,
                 "ApproximateCreationDateTimePrecision": "MILLISECOND"})
    table._emu_kinesis = kept
    return DynamoResult({"TableName": table.name, "StreamArn": arn, "DestinationStatus": status})


def enable_kinesis_streaming_destination(handler: DynamoHandler):
    return _set(handler, "ACTIVE")


def disable_kinesis_streaming_destination(handler: DynamoHandler):
    return _set(handler, "DISABLED")


def install() -> None:
    for fn in (describe_kinesis_streaming_destination, enable_kinesis_streaming_destination,
               disable_kinesis_streaming_destination):
        setattr(DynamoHandler, fn.__name__, fn)
