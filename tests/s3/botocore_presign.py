"""botocore_presign.py — the independent signer for the cross-check.

Reads a JSON list of cases on stdin and prints one presigned GET URL per line,
made by botocore (Debian's python3-botocore) for the same inputs:
  {"access_key", "secret_key", "token"|null, "region", "bucket", "key",
   "expires", "at": "2013-05-24T00:00:00Z", "endpoint": null|"http://host:port"}
Addressing is pinned to what sandboxrun does (regional virtual-hosted
endpoints for AWS, path style for dotted buckets and custom endpoints), so
that the signature is what is being compared. Run with /usr/bin/python3.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.session
from botocore.config import Config


def client_for(session, case):
    region, bucket, endpoint = case["region"], case["bucket"], case["endpoint"]
    dotted = "." in bucket
    if endpoint is None and region != "us-east-1":
        endpoint = f"https://s3.{region}.amazonaws.com"
    elif endpoint is None and dotted:
        endpoint = "https://s3.amazonaws.com"
    style = "path" if case["endpoint"] or dotted else "virtual"
    return session.create_client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        aws_session_token=case["token"],
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


def presign(session, case):
    at = datetime.datetime.strptime(case["at"], "%Y-%m-%dT%H:%M:%SZ")

    class FixedClock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return at

    with mock.patch("botocore.auth.datetime.datetime", FixedClock):
        client = client_for(session, case)
        return client.generate_presigned_url(
            "get_object",
            Params={"Bucket": case["bucket"], "Key": case["key"]},
            ExpiresIn=case["expires"],
        )


def main():
    session = botocore.session.get_session()
    for case in json.load(sys.stdin):
        print(presign(session, case))


if __name__ == "__main__":
    main()
