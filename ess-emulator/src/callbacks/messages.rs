//! From recorded events to the service's callback messages.

use ess_api::callback::{Callback, CallbackEvent};
use ess_api::types::{FlowCallbackStatus, FlowStatusChangeData};
use serde_json::{json, Map, Value};

use super::MSG_VERSION;
use crate::events::{Event, EventKind};
use crate::state::State;
use crate::world::{SigningOrder, World};

/// A message to queue.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// Messages with the same key are posted in order, one at a time: the
    /// contract's id, or the code's for a scan that started none.
    pub key: String,
    pub flow_id: Option<String>,
    pub qr_code_id: Option<String>,
    pub event_seq: u64,
    pub callback: Callback,
}

/// What a signer's `ApproveStatus` is in each contract status.
fn approve_status(status: &FlowCallbackStatus) -> i64 {
    match status {
        FlowCallbackStatus::Signed => 3,
        FlowCallbackStatus::Expired => 5,
        _ => 2,
    }
}

/// The messages the service sends for `event`, in the order it sends them;
/// none for events it does not report. `state` and `world` give what the
/// event does not carry (names, times, the template's signing order).
pub(crate) fn for_event(
    event: &Event,
    state: &State,
    world: &World,
    new_id: &mut dyn FnMut() -> String,
) -> Vec<Outgoing> {
    let at = i64::try_from(event.at).unwrap_or(i64::MAX);
    match &event.kind {
        EventKind::FlowStarted {
            flow_id,
            qr_code_id,
            user_data,
            ..
        } => {
            let mut out = Vec::with_capacity(2);
            if let Some(change) = status_change(
                event,
                state,
                world,
                flow_id,
                FlowCallbackStatus::WaitingToSign,
                "start",
                user_data,
                new_id,
            ) {
                out.push(change);
            }
            if let Some(flow) = state.flow_record(flow_id) {
                let mut data = Map::new();
                data.insert("QrCodeId".into(), json!(qr_code_id));
                data.insert("FlowId".into(), json!(flow_id));
                data.insert("FlowName".into(), json!(flow.name));
                data.insert("TemplateId".into(), json!(flow.template_id));
                data.insert("CreateOn".into(), json!(flow.created_at));
                if let Some(user_data) = user_data {
                    data.insert("UserData".into(), json!(user_data));
                }
                out.push(Outgoing {
                    key: flow_id.clone(),
                    flow_id: Some(flow_id.clone()),
                    qr_code_id: Some(qr_code_id.clone()),
                    event_seq: event.seq,
                    callback: message(new_id(), CallbackEvent::MultiFlowSignQrCodeCost(data)),
                });
            }
            out
        }
        EventKind::FlowSigned {
            flow_id, user_data, ..
        } => status_change(
            event,
            state,
            world,
            flow_id,
            FlowCallbackStatus::Signed,
            "sign",
            user_data,
            new_id,
        )
        .into_iter()
        .collect(),
        EventKind::FlowExpired {
            flow_id, user_data, ..
        } => status_change(
            event,
            state,
            world,
            flow_id,
            FlowCallbackStatus::Expired,
            "expire",
            user_data,
            new_id,
        )
        .into_iter()
        .collect(),
        EventKind::ScanRefusedNoQuota {
            qr_code_id,
            template_id,
            flow_name,
            signer_name,
            signer_mobile,
            user_data,
        } => {
            let mut data = Map::new();
            data.insert("QrCodeId".into(), json!(qr_code_id));
            data.insert("TemplateId".into(), json!(template_id));
            data.insert("FlowName".into(), json!(flow_name));
            data.insert("ApproverName".into(), json!(signer_name));
            data.insert("ApproverMobile".into(), json!(masked(signer_mobile)));
            data.insert(
                "ErrorCode".into(),
                json!(ess_api::service::codes::OPERATION_DENIED_NO_QUOTA),
            );
            data.insert(
                "ErrorMessage".into(),
                json!("the organization has no contract quota left"),
            );
            data.insert("CreateOn".into(), json!(at));
            if let Some(user_data) = user_data {
                data.insert("UserData".into(), json!(user_data));
            }
            vec![Outgoing {
                key: format!("qr:{qr_code_id}"),
                flow_id: None,
                qr_code_id: Some(qr_code_id.clone()),
                event_seq: event.seq,
                callback: message(new_id(), CallbackEvent::CreateFlowByQrCode(data)),
            }]
        }
        _ => Vec::new(),
    }
}

fn message(msg_id: String, event: CallbackEvent) -> Callback {
    Callback::new(msg_id, event).with_msg_version(MSG_VERSION)
}

/// A `FlowStatusChange` for a contract the state knows.
#[allow(clippy::too_many_arguments)]
fn status_change(
    event: &Event,
    state: &State,
    world: &World,
    flow_id: &str,
    status: FlowCallbackStatus,
    operate: &str,
    user_data: &Option<String>,
    new_id: &mut dyn FnMut() -> String,
) -> Option<Outgoing> {
    let flow = state.flow_record(flow_id)?;
    let at = i64::try_from(event.at).unwrap_or(i64::MAX);
    let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    let mut approver = Map::new();
    approver.insert("ApproverType".into(), json!("PERSON"));
    approver.insert("RecipientId".into(), json!(flow.recipient_id));
    approver.insert("ApproveName".into(), json!(flow.signer_name));
    approver.insert("ApproveStatus".into(), json!(approve_status(&status)));
    if let Some(signed_at) = flow.signed_at {
        approver.insert("ApproveTime".into(), json!(signed_at));
    }

    let mut data = FlowStatusChangeData::default();
    data.flow_id = flow.id.clone();
    data.document_id = Some(flow.document_id.clone());
    data.flow_name = Some(flow.name.clone());
    data.callback_type = Some("flow".to_owned());
    data.unordered = world
        .template(&flow.template_id)
        .map(|t| t.signing_order == SigningOrder::Unordered);
    data.create_on = Some(seconds(flow.created_at));
    data.updated_on = Some(at);
    data.dead_line = Some(seconds(flow.deadline));
    data.flow_callback_status = Some(status);
    data.recipient_id = Some(flow.recipient_id.clone());
    data.operate = Some(operate.to_owned());
    data.user_data = user_data.clone();
    data.approvers = Some(vec![Value::Object(approver)]);
    Some(Outgoing {
        key: flow.id.clone(),
        flow_id: Some(flow.id.clone()),
        qr_code_id: Some(flow.qr_code_id.clone()),
        event_seq: event.seq,
        callback: message(new_id(), CallbackEvent::FlowStatusChange(Box::new(data))),
    })
}

/// `138****9527`: the first three and last four digits.
fn masked(mobile: &str) -> String {
    match (
        mobile.get(..3),
        mobile.get(mobile.len().saturating_sub(4)..),
    ) {
        (Some(head), Some(tail)) if mobile.len() > 7 => format!("{head}****{tail}"),
        _ => "****".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ScanRequest;
    use crate::world::defaults;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id{n}")
        }
    }

    #[test]
    fn masking() {
        assert_eq!(masked("13800009527"), "138****9527");
        assert_eq!(masked("1380"), "****");
        assert_eq!(masked(""), "****");
    }

    #[test]
    fn a_started_signed_and_expired_contract() {
        let world = World::default();
        let mut state = State::new(&world);
        let mut new_id = ids();
        let code = crate::state::QrCode::for_tests(defaults::B2C_TEMPLATE_ID, Some("dWQ="));
        let code_id = code.id.clone();
        state.add_qr_code(code);
        let started = state
            .scan(
                &world,
                &ScanRequest::new(&code_id, "张三", "13800009527"),
                100,
                &mut new_id,
            )
            .unwrap();
        let events = state.events.since(0);
        let started_event = events
            .iter()
            .find(|e| matches!(e.kind, EventKind::FlowStarted { .. }))
            .unwrap();
        let out = for_event(started_event, &state, &world, &mut new_id);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|o| o.key == started.flow_id));
        let CallbackEvent::FlowStatusChange(data) = &out[0].callback.event else {
            panic!("{:?}", out[0].callback)
        };
        assert_eq!(
            data.flow_callback_status,
            Some(FlowCallbackStatus::WaitingToSign)
        );
        assert_eq!(data.user_data.as_deref(), Some("dWQ="));
        assert_eq!(data.unordered, Some(false), "the B2C template is ordered");
        assert_eq!(data.create_on, Some(100));
        assert_eq!(data.approvers.as_ref().unwrap()[0]["ApproveStatus"], 2);
        let CallbackEvent::MultiFlowSignQrCodeCost(cost) = &out[1].callback.event else {
            panic!("{:?}", out[1].callback)
        };
        assert_eq!(cost["QrCodeId"], code_id.as_str());
        assert_eq!(cost["FlowId"], started.flow_id.as_str());
        assert_eq!(cost["UserData"], "dWQ=");
        assert_ne!(out[0].callback.msg_id, out[1].callback.msg_id);

        state.sign(&started.flow_id, 150).unwrap();
        let signed = state.events.since(started_event.seq);
        let out = for_event(signed.last().unwrap(), &state, &world, &mut new_id);
        let CallbackEvent::FlowStatusChange(data) = &out[0].callback.event else {
            panic!()
        };
        assert_eq!(data.flow_callback_status, Some(FlowCallbackStatus::Signed));
        assert_eq!(data.operate.as_deref(), Some("sign"));
        assert_eq!(data.approvers.as_ref().unwrap()[0]["ApproveTime"], 150);
        assert_eq!(out[0].callback.msg_version.as_deref(), Some(MSG_VERSION));
    }

    #[test]
    fn events_the_service_does_not_report_give_no_message() {
        let world = World::default();
        let state = State::new(&world);
        let event = Event {
            seq: 1,
            at: 1,
            kind: EventKind::QrCodeCancelled {
                qr_code_id: "q".into(),
            },
        };
        assert!(for_event(&event, &state, &world, &mut ids()).is_empty());
        // A contract the state does not know gives no status change.
        let event = Event {
            seq: 2,
            at: 1,
            kind: EventKind::FlowSigned {
                flow_id: "nope".into(),
                qr_code_id: "q".into(),
                user_data: None,
            },
        };
        assert!(for_event(&event, &state, &world, &mut ids()).is_empty());
    }
}
