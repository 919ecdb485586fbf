"""The official Python SDK against running emulators.

ESS_INTEROP_ENDPOINT is the host:port of an emulator started with
--strict, ESS_INTEROP_CANNED_ENDPOINT that of one started without. Prints one line per check and a final
"N passed, N failed" line; exits 1 when any check fails.
"""

import json
import os
import sys
import traceback
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

ENDPOINT = os.environ["ESS_INTEROP_ENDPOINT"]
CANNED_ENDPOINT = os.environ["ESS_INTEROP_CANNED_ENDPOINT"]
SECRET_ID = "AKIDEssEmulatorLocalSecretId00001"
SECRET_KEY = "EssEmulatorLocalSecretKey-NotForProduction"
OPERATOR_ID = "yDemuOperator0000000000000000001"
B2C_TEMPLATE_ID = "yDemuB2CTemplate0000000000000001"
REFUSED_TEMPLATE_ID = "yDemuCompanyFirstTemplate0000001"


def client(secret_key=SECRET_KEY, endpoint=ENDPOINT):
    http = HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10)
    profile = ClientProfile(httpProfile=http)
    return ess_client.EssClient(
        credential.Credential(SECRET_ID, secret_key), "ap-guangzhou", profile
    )


def qr_request(template_id):
    req = models.CreateMultiFlowSignQRCodeRequest()
    operator = models.UserInfo()
    operator.UserId = OPERATOR_ID
    req.Operator = operator
    req.TemplateId = template_id
    req.FlowName = "员工入职合同"
    req.MaxFlowNum = 10
    return req


def expect_error(call, code):
    try:
        answer = call()
    except TencentCloudSDKException as e:
        assert e.get_code() == code, f"expected {code}, got {e.get_code()}: {e.get_message()}"
        assert e.get_request_id(), "the error has no RequestId"
        return
    raise AssertionError(f"expected {code}, got a success: {answer.to_json_string()}")


def test_create_succeeds_and_parses():
    resp = client().CreateMultiFlowSignQRCode(qr_request(B2C_TEMPLATE_ID))
    assert isinstance(resp, models.CreateMultiFlowSignQRCodeResponse)
    assert isinstance(resp.QrCode, models.SignQrCode), resp.to_json_string()
    assert len(resp.QrCode.QrCodeId) == 32, resp.QrCode.QrCodeId
    assert resp.QrCode.QrCodeUrl.endswith(".png"), resp.QrCode.QrCodeUrl
    assert resp.QrCode.ExpiredTime > 0
    assert resp.RequestId


def test_wrong_secret_key_is_a_signature_failure():
    expect_error(
        lambda: client("not-the-secret-key").CreateMultiFlowSignQRCode(
            qr_request(B2C_TEMPLATE_ID)
        ),
        "AuthFailure.SignatureFailure",
    )


def test_refused_template():
    expect_error(
        lambda: client().CreateMultiFlowSignQRCode(qr_request(REFUSED_TEMPLATE_ID)),
        "FailedOperation.QrCodeTemplateId",
    )


def test_cancel_unknown_code():
    req = models.CancelMultiFlowSignQRCodeRequest()
    operator = models.UserInfo()
    operator.UserId = OPERATOR_ID
    req.Operator = operator
    req.QrCodeId = "yDunknownQrCode00000000000000001"
    expect_error(
        lambda: client().CancelMultiFlowSignQRCode(req), "ResourceNotFound.QrInfo"
    )


def test_not_emulated_action():
    # The emulator runs with --strict: an action without semantics answers
    # the documented UnsupportedOperation.
    req = models.StartFlowRequest()
    operator = models.UserInfo()
    operator.UserId = OPERATOR_ID
    req.Operator = operator
    req.FlowId = "yDwFmUUckpst0bgcUuO4zjEq0tvEcIrR"
    expect_error(lambda: client().StartFlow(req), "UnsupportedOperation")


def control(what, body):
    """POST /_emulator/<what> with a JSON body; the Response object."""
    request = urllib.request.Request(
        f"http://{ENDPOINT}/_emulator/{what}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        return json.load(answer)["Response"]


def test_a_scanned_contract_signed_and_looked_up():
    code = client().CreateMultiFlowSignQRCode(qr_request(B2C_TEMPLATE_ID)).QrCode.QrCodeId
    started = control("scan", {"QrCodeId": code, "Name": "张三", "Mobile": "13800009527"})
    flow_id = started["FlowId"]
    control("sign", {"FlowId": flow_id})
    req = models.DescribeFlowInfoRequest()
    operator = models.UserInfo()
    operator.UserId = OPERATOR_ID
    req.Operator = operator
    req.FlowIds = [flow_id]
    resp = client().DescribeFlowInfo(req)
    detail = resp.FlowDetailInfos[0]
    assert isinstance(detail, models.FlowDetailInfo)
    assert detail.FlowId == flow_id and detail.FlowStatus == 4, resp.to_json_string()
    assert detail.FlowApproverInfos[0].ApproveStatus == 3
    req = models.DescribeFileUrlsRequest()
    req.Operator = operator
    req.BusinessType = "FLOW"
    req.BusinessIds = [flow_id]
    urls = client().DescribeFileUrls(req)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urls.FileUrls[0].Url, timeout=10) as pdf:
        assert pdf.read(4) == b"%PDF"
    req = models.CancelFlowRequest()
    req.Operator = operator
    req.FlowId = flow_id
    req.CancelMessage = "已签署"
    expect_error(lambda: client().CancelFlow(req), "OperationDenied.FlowHasTerminated")


def test_canned_answer_parses_into_the_model():
    # Without --strict, an action without semantics answers its official
    # example, which the SDK reads into its model.
    req = models.ArchiveDynamicFlowRequest()
    operator = models.UserInfo()
    operator.UserId = "yDxZtUyKQD2JuqUuO4zjERYGxxxxxxxx"
    req.Operator = operator
    req.FlowId = "yDCmVUUckpufezuiUxQQFiT8Exxxxxxxx"
    resp = client(endpoint=CANNED_ENDPOINT).ArchiveDynamicFlow(req)
    assert resp.FlowId == "yDCmDUUckpuf0hsmUuvalvQyxxxxxxxxx", resp.to_json_string()
    assert isinstance(resp.Approvers[0], models.ArchiveDynamicApproverData)
    assert resp.Approvers[0].SignId
    assert resp.RequestId and resp.RequestId != "abc"


def main():
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, test in tests:
        try:
            test()
        except Exception:  # noqa: BLE001 - every failure is reported
            failed += 1
            print(f"FAILED {name}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"PASSED {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
