#!/usr/bin/env python3
"""Seeds the demo's source table in the local emulator (used by tests/emulator/demo).

Creates table `orders` in the `source` profile's account: partition key `customer` (S),
sort key `order_no` (N), GSI `by-status` on `status` (S, projection ALL), on-demand
billing, TTL on `expires_at`, two tags, and ~500 varied items (non-ASCII and quotes in
strings, numbers, maps, lists, string sets, booleans, nulls, binary). Point-in-time
recovery is left OFF, so the demo shows ddb-ferry turning it on and off again.

With --lsi the table also has the local secondary index `by-date` (customer, placed_at),
which only the backup road keeps (an import creates no LSI).

Needs AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE from `local-aws start`.
With --trickle SECONDS it seeds nothing and instead keeps the shop open: every SECONDS a
new order, a status change of an old one, and now and then a cancelled order deleted, for
--for SECONDS (default 300), then the shop closes — so the demo's catch-up has writes to carry
over, and its cutover a source whose writes have stopped.

usage: seed_demo.py [--profile source] [--table orders] [--items 500] [--lsi]
       seed_demo.py --trickle 2 [--profile source] [--table orders]
"""

import argparse
import random
import sys
import time

import boto3


def items(n: int) -> list[dict]:
    rnd = random.Random(20261123)
    customers = ["Zoë Müller", "José Núñez", "Łukasz Wójcik", "山田 太郎", "O'Brien & Sons",
                 'Ann "Nan" Lee', "Ahmed Hassan", "Søren Kierkegaard", "Ïvan Pétrov",
                 "plain-customer-42", "Ελένη Παπαδοπούλου", "Иван Иванов", "مريم", "🦀 Crab Corp",
                 "back\\slash Ltd", "tab\tand newline\nco"]
    statuses = ["NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
    products = ["Kaffeebecher «Groß»", "Crème brûlée torch", 'Poster 24" x 36"', "Tee-shirt (taille M)",
                "寿司セット", "Widget", "Gadget — deluxe", "Smörgåsbord plate", "Ñandú feather"]
    notes = ["", "leave at the door", 'say "hello"', "it's fragile", "naïve café order",
             '{"looks": "like json"}', "emoji ✅📦", "multi\nline\nnote"]
    out = []
    now = int(time.time())
    for i in range(n):
        customer = customers[i % len(customers)]
        qty = rnd.randint(1, 9)
        price = rnd.choice(["9.99", "10.10", "0.5", "1234.00", "3.14159", "100"])
        lines = {"L": [
            {"M": {"product": {"S": rnd.choice(products)}, "qty": {"N": str(qty)},
                   "unit_price": {"N": price}}}
            for _ in range(rnd.randint(1, 3))
        ]}
        item = {
            "customer": {"S": customer},
            "order_no": {"N": str(1000 + i)},
            "status": {"S": statuses[i % len(statuses)]},
            "total": {"N": str(round(qty * float(price), 2))},
            "placed_at": {"S": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"},
            "lines": lines,
            "shipping": {"M": {
                "name": {"S": customer},
                "city": {"S": rnd.choice(["Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "Springfield"])},
                "express": {"BOOL": i % 3 == 0},
                "instructions": {"S": rnd.choice(notes)},
            }},
            "tags": {"SS": sorted({rnd.choice(["gift", "rush", "fragile", "bulk", "étiquette"]) for _ in range(3)})},
            "paid": {"BOOL": i % 5 not in (0,)},
            "coupon": {"NULL": True} if i % 4 == 0 else {"S": f"SAVE{i % 30}"},
            "invoice_pdf_head": {"B": bytes([0x25, 0x50, 0x44, 0x46, i % 256, rnd.randrange(256)])},
        }
        if i % 10 == 0:
            item["expires_at"] = {"N": str(now + 86400 * 365)}
        if i % 25 == 0:
            # an item without status: it is simply not in the by-status index
            del item["status"]
        out.append(item)
    return out


def trickle(ddb, table: str, every: float, first: int, lasting: float) -> int:
    """New orders, status changes and deletes, one round every `every` seconds, for `lasting`
    seconds: then the shop closes, as an application is stopped before a cutover."""
    fresh = items(first + 100_000)
    n = 0
    closing = time.monotonic() + lasting
    while time.monotonic() < closing:
        order = fresh[first + n]
        order["placed_at"] = {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        try:
            ddb.put_item(TableName=table, Item=order)
            old = fresh[n % first]
            ddb.update_item(
                TableName=table,
                Key={"customer": old["customer"], "order_no": old["order_no"]},
                UpdateExpression="SET #s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": {"S": "SHIPPED"}},
            )
            if n % 5 == 4:
                gone = fresh[(n * 7) % first]
                ddb.delete_item(TableName=table,
                                Key={"customer": gone["customer"], "order_no": gone["order_no"]})
        except Exception as exc:  # the emulator stopping ends the demo; nothing to report
            print(f"trickle stopped: {exc}", file=sys.stderr)
            return 0
        n += 1
        time.sleep(every)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="source")
    ap.add_argument("--table", default="orders")
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--lsi", action="store_true", help="add the LSI by-date")
    ap.add_argument("--trickle", type=float, metavar="SECONDS",
                    help="keep writing to the seeded table instead of seeding it")
    ap.add_argument("--for", dest="lasting", type=float, default=300.0, metavar="SECONDS",
                    help="how long --trickle writes (default 300)")
    args = ap.parse_args()

    ddb = boto3.Session(profile_name=args.profile).client("dynamodb")
    if args.trickle:
        return trickle(ddb, args.table, args.trickle, args.items, args.lasting)
    extra = {}
    if args.lsi:
        extra["LocalSecondaryIndexes"] = [{
            "IndexName": "by-date",
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                          {"AttributeName": "placed_at", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }]
    ddb.create_table(
        TableName=args.table,
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order_no", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ] + ([{"AttributeName": "placed_at", "AttributeType": "S"}] if args.lsi else []),
        KeySchema=[
            {"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "order_no", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "demo"}],
        **extra,
    )
    ddb.get_waiter("table_exists").wait(TableName=args.table)
    ddb.update_time_to_live(
        TableName=args.table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    batch = items(args.items)
    for start in range(0, len(batch), 25):
        requests = [{"PutRequest": {"Item": it}} for it in batch[start:start + 25]]
        while requests:
            answer = ddb.batch_write_item(RequestItems={args.table: requests})
            requests = answer.get("UnprocessedItems", {}).get(args.table, [])
    account = boto3.Session(profile_name=args.profile).client("sts").get_caller_identity()["Account"]
    print(f"seeded table {args.table} in account {account}: {len(batch)} items, "
          f"key customer (S) + order_no (N), GSI by-status{', LSI by-date' if args.lsi else ''}, "
          f"TTL on expires_at, PITR off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
