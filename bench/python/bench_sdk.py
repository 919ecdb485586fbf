"""Times the official Tencent Cloud Python SDK (tencentcloud-sdk-python-ess)
on the request the Rust benchmarks use, and prints the results as JSON.

prepare: what ``EssClient.CreateMultiFlowSignQRCode`` does before the
network, through the SDK's own functions: build the request model
(``models.CreateMultiFlowSignQRCodeRequest`` and its nested models),
``request._serialize()``, the ``X-TC-TraceId`` UUID that ``_call`` adds, a
``RequestInternal`` and ``AbstractClient._build_req_inter`` (JSON body,
headers, TC3-HMAC-SHA256 signature; the SDK derives the signing key on every
call). Region breaker off (the SDK's default).

roundtrip: ``client.CreateMultiFlowSignQRCode(request)`` end to end (model
building included) against a loopback server over HTTP/1.1 keep-alive
(``requests.Session`` inside the SDK), one call after another.

Usage: python bench_sdk.py --canned URL [--emulator URL] [--seconds S]
"""

import argparse
import importlib.metadata
import json
import statistics
import sys
import time
import uuid
from urllib.parse import urlparse

from tencentcloud.common import credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

# The emulator's default world and credentials (see ess-emulator's defaults).
SECRET_ID = "AKIDEssEmulatorLocalSecretId00001"
SECRET_KEY = "EssEmulatorLocalSecretKey-NotForProduction"
OPERATOR = "yDemuOperator0000000000000000001"
TEMPLATE = "yDemuB2CTemplate0000000000000001"
ACTION = "CreateMultiFlowSignQRCode"


def build_request():
    req = models.CreateMultiFlowSignQRCodeRequest()
    operator = models.UserInfo()
    operator.UserId = OPERATOR
    req.Operator = operator
    req.TemplateId = TEMPLATE
    req.FlowName = "员工入职合同"
    req.MaxFlowNum = 100
    req.FlowEffectiveDay = 7
    restrictions = []
    for name, mobile in (("张三", "18800009527"), ("李四", "18900001234")):
        r = models.ApproverRestriction()
        r.Name = name
        r.Mobile = mobile
        restrictions.append(r)
    req.Restrictions = restrictions
    limits = []
    for recipient, values in (
        ("yDRscUUgyg3zr9vfUyJ8QKwCN7z9YcOh", ["HANDWRITE", "SYSTEM_ESIGN"]),
        ("yDwJNUUckpkojrmqUxTFHk0yndh70CpW", ["OCR_ESIGN", "ESIGN"]),
    ):
        lim = models.ApproverComponentLimitType()
        lim.RecipientId = recipient
        lim.Values = values
        limits.append(lim)
    req.ApproverComponentLimitTypes = limits
    return req


def make_client(url):
    parsed = urlparse(url)
    http_profile = HttpProfile(protocol=parsed.scheme, endpoint=parsed.netloc)
    profile = ClientProfile(httpProfile=http_profile)
    cred = credential.Credential(SECRET_ID, SECRET_KEY)
    return ess_client.EssClient(cred, "", profile)


def prepare(client):
    req = build_request()
    params = req._serialize()
    headers = dict(req.headers or {})
    headers["X-TC-TraceId"] = str(uuid.uuid4())
    inter = RequestInternal(
        client._get_endpoint(),
        client.profile.httpProfile.reqMethod,
        client._requestPath,
        header=headers,
    )
    client._build_req_inter(ACTION, params, inter)
    return inter


def roundtrip(client):
    return client.CreateMultiFlowSignQRCode(build_request())


def measure(fn, seconds, samples=30):
    """Median over ``samples`` samples of the mean time of one call, in µs."""
    deadline = time.perf_counter() + min(1.0, seconds / 3)
    calls = 0
    while time.perf_counter() < deadline:
        fn()
        calls += 1
    per_call = max(min(1.0, seconds / 3) / max(calls, 1), 1e-7)
    batch = max(1, int(seconds / samples / per_call))
    means = []
    for _ in range(samples):
        start = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        means.append((time.perf_counter_ns() - start) / batch / 1000.0)
    return {"median_us": statistics.median(means), "min_us": min(means), "calls": batch * samples}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--canned", required=True)
    ap.add_argument("--emulator")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    canned = make_client(args.canned)
    # The request the SDK sends: check it once against what the benchmarks expect.
    inter = prepare(canned)
    assert inter.header["Authorization"].startswith("TC3-HMAC-SHA256 Credential=" + SECRET_ID)
    assert roundtrip(canned).QrCode.QrCodeId == "yDwJNUUckpkoj9mdUIJN2kC7XWFFaSuR"

    out = {
        "python": sys.version.split()[0],
        "sdk": "tencentcloud-sdk-python-common %s, tencentcloud-sdk-python-ess %s" % (
            importlib.metadata.version("tencentcloud-sdk-python-common"),
            importlib.metadata.version("tencentcloud-sdk-python-ess"),
        ),
        "prepare": measure(lambda: prepare(canned), args.seconds),
        "roundtrip_canned": measure(lambda: roundtrip(canned), args.seconds),
    }
    if args.emulator:
        emulator = make_client(args.emulator)
        roundtrip(emulator)  # signature accepted: the emulator answered a QR code
        out["roundtrip_emulator"] = measure(lambda: roundtrip(emulator), args.seconds)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
