#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the repository's own
examples: the official request/response examples, the seed examples of
CreateMultiFlowSignQRCode, the spec files and the callback test vectors.

Usage: seeds.py OUT_DIR [MAX]  (one subdirectory per target is created in
it; with MAX, each target keeps its MAX smallest seeds, for short runs of
unoptimized builds)
Standard library only.
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMULATOR_ID = "AKIDEssEmulatorLocalSecretId00001"
PUBLISHED_AUTH = (
    "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
    "SignedHeaders=content-type;host, "
    "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)


class Corpus:
    def __init__(self, out: Path, target: str):
        self.dir = out / target
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def add(self, data: bytes) -> None:
        name = hashlib.sha1(data).hexdigest()
        (self.dir / name).write_bytes(data)
        self.count += 1


def examples():
    """(action, request body, raw HTTP text, response body) of every official example."""
    doc = json.loads((ROOT / "tests/fixtures/examples/examples.json").read_text("utf-8"))
    for action, items in sorted(doc["actions"].items()):
        for item in items:
            text = item.get("input", "")
            head, _, body = text.partition("\n\n")
            yield action, body.strip(), text, item.get("output", "").strip()


def seed_pairs():
    seed = ROOT / "tests/fixtures/seed"
    for path in sorted(seed.glob("*.json")):
        yield path.name, path.read_bytes()


def http_request(text: str) -> bytes:
    """An official example's request text as a well-formed HTTP/1.1 request."""
    head, _, body = text.partition("\n\n")
    body_bytes = body.strip().encode("utf-8")
    lines = []
    for line in head.split("\n"):
        if line.startswith("<"):
            lines += [
                "X-TC-Version: 2020-11-11",
                "X-TC-Timestamp: 1717200000",
                f"Authorization: TC3-HMAC-SHA256 Credential={EMULATOR_ID}/2024-06-01/ess/tc3_request, "
                "SignedHeaders=content-type;host, Signature=" + "0" * 64,
            ]
        elif line.strip():
            lines.append(line)
    lines.append(f"Content-Length: {len(body_bytes)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body_bytes


def keep_smallest(directory: Path, limit: int) -> None:
    """Removes all but the `limit` smallest files (ties by name) of a target."""
    files = sorted(directory.iterdir(), key=lambda p: (p.stat().st_size, p.name))
    for path in files[limit:]:
        path.unlink()


def main() -> None:
    out = Path(sys.argv[1])
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    targets = {}

    def corpus(name):
        if name not in targets:
            targets[name] = Corpus(out, name)
        return targets[name]

    # Responses and requests of every action.
    for action, request, text, response in examples():
        if response:
            corpus("decode_response").add(f"{action} 200\n{response}".encode("utf-8"))
        if request:
            corpus("emulator_api").add(f"{action}\n{request}".encode("utf-8"))
            corpus("emulator_http").add(f"SIGNED {action}\n{request}".encode("utf-8"))
        if text:
            corpus("emulator_http").add(http_request(text))
    for name, data in seed_pairs():
        action = b"CreateMultiFlowSignQRCode"
        if ".response" in name:
            corpus("decode_response").add(action + b" 200\n" + data)
            corpus("decode_response").add(action + b" 503\n" + data)
        else:
            corpus("emulator_api").add(action + b"\n" + data)
            corpus("emulator_http").add(b"SIGNED " + action + b"\n" + data)
    for status in (200, 400, 429, 500):
        corpus("decode_response").add(
            f'CreateFlow {status}\n{{"Response":{{"Error":{{"Code":"RequestLimitExceeded","Message":"m"}},"RequestId":"r"}}}}'.encode()
        )
    for body in (b"", b"  \n", b"<html>gateway</html>", b'{"Response":', b'{"Other":1}', b'{"Response":[]}'):
        corpus("decode_response").add(b"CreateMultiFlowSignQRCode 200\n" + body)

    # The emulator's own endpoints.
    def post(path, body):
        return f"POST {path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body

    for request in (
        b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /_emulator/state HTTP/1.1\r\n\r\n",
        b"GET /_emulator/events?since=0 HTTP/1.1\r\n\r\n",
        b"GET /_emulator/clock HTTP/1.1\r\n\r\n",
        post("/_emulator/clock", b'{"AdvanceSeconds": 600}'),
        post(
            "/_emulator/scan",
            '{"QrCodeId": "yDemu0000000000000000000000000001", "Name": "张三", "Mobile": "13800009527"}'.encode(),
        ),
        post("/_emulator/sign", b'{"FlowId": "yDemu0000000000000000000000000001"}'),
        b"GET /qr/yDemu0000000000000000000000000001.png HTTP/1.1\r\n\r\n",
        b"GET /sign/yDemu0000000000000000000000000001 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\nGET /_emulator/health HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ):
        corpus("emulator_http").add(request)

    # Spec files, each as itself and as a new action.
    spec = ROOT / "spec"
    for path in sorted([spec / "service.toml", spec / "errors.toml"]):
        corpus("spec_loader").add(path.name.encode() + b"\n" + path.read_bytes())
    for sub in ("types", "actions"):
        for path in sorted((spec / sub).glob("*.toml")):
            corpus("spec_loader").add(f"{sub}/{path.name}\n".encode() + path.read_bytes())

    # Authorization headers.
    corpus("signature").add(b"\x00" + PUBLISHED_AUTH.encode() + b"\nkey")
    corpus("signature").add(
        b"\x00"
        + PUBLISHED_AUTH.replace("content-type;host", "content-type;host;x-tc-action").encode()
    )
    corpus("signature").add(b"\x01" + bytes(range(256)))

    # Callbacks: plain, signed, encrypted, broken.
    fixtures = ROOT / "ess-api/tests/fixtures/callback"
    for path in sorted((fixtures / "plain").glob("*.json")):
        data = path.read_bytes()
        corpus("callback").add(b"\x00" + data)  # plain, unsigned
        corpus("callback").add(b"\x06" + data)  # token, right signature
        corpus("callback").add(b"\x11" + data)  # key: the harness encrypts it
        corpus("callback").add(b"\x37" + data)  # key, token, bare, right signature
        sig = fixtures / "signed" / (path.stem + ".sig")
        if sig.exists():
            corpus("callback").add(b"\x0a" + sig.read_bytes().strip() + b"\n" + data)
    for path in sorted((fixtures / "enc").glob("*.json")) + sorted((fixtures / "enc").glob("*.txt")):
        corpus("callback").add(b"\x01" + path.read_bytes())
        corpus("callback").add(b"\x07" + path.read_bytes())
    for path in sorted((fixtures / "broken").glob("*.txt")):
        corpus("callback").add(b"\x01" + path.read_bytes())
    # The query form (flag bits 6-7): the right signature, a stale one, both
    # forms at once, and the query vectors as fuzzed query lines (they are
    # dated 1700000000, the harness's time).
    for path in sorted((fixtures / "plain").glob("*.json")):
        data = path.read_bytes()
        corpus("callback").add(b"\x53" + data)  # key, token, encrypted, right query
        corpus("callback").add(b"\xd3" + data)  # the same, an hour early
        corpus("callback").add(b"\x57" + data)  # right header and right query
    for path in sorted((fixtures / "query").glob("*.query")):
        name = path.name.rsplit(".", 1)[0].replace(".odd_nonce", "")
        stem, form = name.rsplit(".", 1)
        body = fixtures / "enc" / (f"{stem}.wrapped.json" if form == "wrapped" else f"{stem}.bare.txt")
        corpus("callback").add(b"\x83" + path.read_bytes().strip() + b"\n" + body.read_bytes())
    for path in sorted((fixtures / "query" / "broken").glob("*.query")):
        body = (fixtures / "enc" / "flow_status_change.wrapped.json").read_bytes()
        corpus("callback").add(b"\x83" + path.read_bytes().strip() + b"\n" + body)
    tampered = (fixtures / "query" / "broken" / "tampered_ciphertext.wrapped.json").read_bytes()
    right = (fixtures / "query" / "flow_status_change.wrapped.query").read_bytes().strip()
    corpus("callback").add(b"\x83" + right + b"\n" + tampered)

    for name, c in sorted(targets.items()):
        if limit is not None:
            keep_smallest(c.dir, limit)
        kept = len(list(c.dir.iterdir()))
        print(f"{name}: {kept} seeds of {c.count}")


if __name__ == "__main__":
    main()
