//! A callback receiver: verifies, decrypts and prints the events the service
//! posts, answering each at once.
//!
//! ```sh
//! ESS_CALLBACK_KEY=<32-character key> ESS_CALLBACK_TOKEN=<token> \
//!     cargo run -p ess-api --features axum --example callback_receiver
//! ```
//!
//! Leave a variable unset when the console has no key (plain bodies) or no
//! token (unsigned bodies). `ESS_CALLBACK_ADDR` sets the listening address
//! (default `127.0.0.1:8080`); the route is `POST /ess/callback`.

use ess_api::callback::axum::CallbackReceiver;
use ess_api::callback::{Callback, CallbackDecoder, CallbackEvent};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut decoder = CallbackDecoder::new();
    if let Ok(key) = std::env::var("ESS_CALLBACK_KEY") {
        decoder = decoder.with_key(key)?;
    }
    if let Ok(token) = std::env::var("ESS_CALLBACK_TOKEN") {
        decoder = decoder.with_token(token);
    }
    let addr = std::env::var("ESS_CALLBACK_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());

    // The handler runs in its own task after the 200 has been decided, so
    // slow work here never delays the answer.
    let receiver = CallbackReceiver::new(decoder, |callback| async move { report(&callback) });
    let app: axum::Router = receiver.into_router("/ess/callback");

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "listening on http://{}/ess/callback",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}

fn report(callback: &Callback) {
    // The service may deliver a message more than once: real code records
    // `msg_id` and skips the ones already processed.
    match &callback.event {
        CallbackEvent::FlowStatusChange(data) => println!(
            "[{}] contract {} ({}): status {}",
            callback.msg_id,
            data.flow_id,
            data.flow_name.as_deref().unwrap_or("unnamed"),
            data.flow_callback_status
                .map_or_else(|| "not given".to_owned(), |s| format!("{s:?}")),
        ),
        CallbackEvent::CreateFlowByQrCode(data) => println!(
            "[{}] a QR-code scan found no quota left: {}",
            callback.msg_id,
            serde_json::Value::Object(data.clone())
        ),
        CallbackEvent::MultiFlowSignQrCodeCost(data) => println!(
            "[{}] a QR-code contract used quota: {}",
            callback.msg_id,
            serde_json::Value::Object(data.clone())
        ),
        other => println!(
            "[{}] {} event: {}",
            callback.msg_id,
            other.msg_type(),
            other.to_data().unwrap_or_default()
        ),
    }
}
