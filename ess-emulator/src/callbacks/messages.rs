//! From recorded events to the service's callback messages.

use ess_api::callback::{Callback, CallbackEvent};
use ess_api::types::{FlowCallbackStatus, FlowStatusChangeData};
use serde_json::{json, Map, Value};

use super::MSG_VERSION;
use crate::events::{Event, EventKind};
use crate::state::{SignerKind, SignerState, State};

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

/// The messages the service sends for `event`, in the order it sends them;
/// none for events it does not report. `state` gives what the event does
/// not carry (names, times, signers, the signing order).
pub(crate) fn for_event(
    event: &Event,
    state: &State,
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
                data.insert(
                    "TemplateId".into(),
                    json!(flow.template_id.clone().unwrap_or_default()),
                );
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
        EventKind::FlowCreated {
            flow_id, user_data, ..
        } => status_change(
            event,
            state,
            flow_id,
            FlowCallbackStatus::WaitingToSign,
            "start",
            user_data,
            new_id,
        )
        .into_iter()
        .collect(),
        EventKind::FlowSigned {
            flow_id,
            complete,
            user_data,
            ..
        } => status_change(
            event,
            state,
            flow_id,
            if *complete {
                FlowCallbackStatus::Signed
            } else {
                FlowCallbackStatus::PartlySigned
            },
            "sign",
            user_data,
            new_id,
        )
        .into_iter()
        .collect(),
        EventKind::FlowRejected {
            flow_id, user_data, ..
        } => status_change(
            event,
            state,
            flow_id,
            FlowCallbackStatus::Refused,
            "reject",
            user_data,
            new_id,
        )
        .into_iter()
        .collect(),
        EventKind::FlowCancelled {
            flow_id, user_data, ..
        } => status_change(
            event,
            state,
            flow_id,
            FlowCallbackStatus::Revoked,
            "cancel",
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

/// A `FlowStatusChange` for a contract the state knows, with every signer
/// as it stands when the event happened.
fn status_change(
    event: &Event,
    state: &State,
    flow_id: &str,
    status: FlowCallbackStatus,
    operate: &str,
    user_data: &Option<String>,
    new_id: &mut dyn FnMut() -> String,
) -> Option<Outgoing> {
    let flow = state.flow_record(flow_id)?;
    let at = i64::try_from(event.at).unwrap_or(i64::MAX);
    let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    let approvers = flow
        .approvers
        .iter()
        .map(|signer| {
            let mut approver = Map::new();
            let kind = match signer.kind {
                SignerKind::Person => "PERSON",
                SignerKind::Organization => "ORGANIZATION",
            };
            approver.insert("ApproverType".into(), json!(kind));
            approver.insert("RecipientId".into(), json!(signer.recipient_id));
            approver.insert("ApproveName".into(), json!(signer.name));
            if let Some(org) = &signer.organization_name {
                approver.insert("OrganizationName".into(), json!(org));
            }
            approver.insert(
                "ApproveStatus".into(),
                json!(flow.approve_status(signer, event.at)),
            );
            match &signer.state {
                SignerState::Signed(at) => {
                    approver.insert("ApproveTime".into(), json!(at));
                }
                SignerState::Refused(at, reason) => {
                    approver.insert("ApproveTime".into(), json!(at));
                    approver.insert("ApproveMessage".into(), json!(reason));
                }
                SignerState::Waiting => {}
            }
            Value::Object(approver)
        })
        .collect();
    // The signer the change is about: the one who acted, else the first.
    let recipient = match &event.kind {
        EventKind::FlowSigned { recipient_id, .. }
        | EventKind::FlowRejected { recipient_id, .. } => Some(recipient_id.clone()),
        _ => flow.approvers.first().map(|a| a.recipient_id.clone()),
    };

    let mut data = FlowStatusChangeData::default();
    data.flow_id = flow.id.clone();
    data.document_id = Some(flow.document_id.clone());
    data.flow_name = Some(flow.name.clone());
    data.callback_type = Some("flow".to_owned());
    data.unordered = Some(flow.unordered);
    data.create_on = Some(seconds(flow.created_at));
    data.updated_on = Some(at);
    data.dead_line = Some(seconds(flow.deadline));
    data.flow_callback_status = Some(status);
    data.recipient_id = recipient;
    data.operate = Some(operate.to_owned());
    data.user_data = user_data.clone();
    data.approvers = Some(approvers);
    Some(Outgoing {
        key: flow.id.clone(),
        flow_id: Some(flow.id.clone()),
        qr_code_id: flow.qr_code_id.clone(),
        event_seq: event.seq,
        callback: message(new_id(), CallbackEvent::FlowStatusChange(Box::new(data))),
    })
}

/// `138****9527`: the first three and last four digits.
pub(crate) fn masked(mobile: &str) -> String {
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
    use crate::world::{defaults, World};

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
        let out = for_event(started_event, &state, &mut new_id);
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

        state.sign(&started.flow_id, None, 150).unwrap();
        let signed = state.events.since(started_event.seq);
        let out = for_event(signed.last().unwrap(), &state, &mut new_id);
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
        assert!(for_event(&event, &state, &mut ids()).is_empty());
        // A contract the state does not know gives no status change.
        let event = Event {
            seq: 2,
            at: 1,
            kind: EventKind::FlowSigned {
                flow_id: "nope".into(),
                qr_code_id: Some("q".into()),
                recipient_id: "r".into(),
                complete: true,
                user_data: None,
            },
        };
        assert!(for_event(&event, &state, &mut ids()).is_empty());
    }
}
