# awslib.py: what the endpoint tests' Python scripts share: boto3 clients for a local port
# (any credentials pass unless the server has --auth), and checks that count themselves.
import boto3
import botocore

checks = 0


def client(svc, port, key="x", secret="y"):
    return boto3.client(svc, endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret)


def ok(cond, what):
    global checks
    checks += 1
    if not cond:
        raise SystemExit("FAIL: " + what)


def code(fn, **kw):
    """The AWS error code of fn(**kw), or None when it succeeded."""
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def err(fn, want, **kw):
    """fn(**kw) must fail with error code `want`."""
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]
        ok(got["Code"] == want, "%s: want %s, got %s (%s)" % (fn.__name__, want, got["Code"],
                                                              got.get("Message")))
        return e
    raise SystemExit("FAIL: %s succeeded, wanted %s" % (fn.__name__, want))
