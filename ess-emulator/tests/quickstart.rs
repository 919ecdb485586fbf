//! The README's main command, `cargo run --example quickstart`, as a test:
//! the example's own code, run against its in-process emulator.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use std::time::Duration;

#[tokio::test]
async fn the_quickstart_runs_end_to_end() {
    let mut out = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        quickstart::run(quickstart::Mode::Emulator, &mut out),
    )
    .await
    .expect("finishes in a few seconds")
    .expect("succeeds");
    let text = String::from_utf8(out).unwrap();
    for expected in [
        "ESS emulator at http://127.0.0.1:",
        "QrCodeId      yD",
        "/qr/",
        "张三 (138****9527) started contract yD",
        "\"员工入职合同-张三-9527\"",
        "\"员工入职合同-李四-1234\"",
        "OperationDenied.QrInvalid",
        "FailedOperationQrCodeTemplateId",
        "flow_effective_day: must be at most 30",
        "restrictions[0].mobile",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The code is drawn with half blocks.
    assert!(
        text.lines().filter(|l| l.starts_with("████")).count() > 10,
        "{text}"
    );
    assert!(!text.contains(ess_emulator::defaults::SECRET_KEY));
}
