//! What happened in the emulator, in order: the raw material for callbacks.
//!
//! Every state change (a code created or cancelled, a contract started,
//! signed, refused, cancelled or expired, a code or the quota used up, a
//! scan refused for lack of quota) is recorded as an [`Event`] with a
//! sequence number and the emulator time. Read them with
//! [`Emulator::events`](crate::Emulator::events) or
//! [`Emulator::events_since`](crate::Emulator::events_since), follow them
//! live with [`Emulator::subscribe`](crate::Emulator::subscribe), or over
//! HTTP with `GET /_emulator/events?since=N`. When callbacks are
//! configured, the events that the service reports are also posted to the
//! callback URL (see [`crate::callbacks`]).

use std::collections::VecDeque;

use serde::Serialize;
use tokio::sync::broadcast;

/// How many events are kept; older ones are dropped first.
pub const MAX_EVENTS: usize = 10_000;

/// How many events a slow subscriber may fall behind before it misses some.
const CHANNEL_CAPACITY: usize = 1024;

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Event {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// Emulator time, in Unix seconds.
    pub at: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
///
/// Serialized with a `Type` member naming the variant and the fields in
/// PascalCase, like the service's own JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "Type", rename_all_fields = "PascalCase")]
#[non_exhaustive]
pub enum EventKind {
    /// A QR code was created.
    QrCodeCreated {
        /// The code.
        qr_code_id: String,
        /// Its template.
        template_id: String,
        /// The employee who created it.
        operator_id: String,
    },
    /// A QR code was cancelled.
    QrCodeCancelled {
        /// The code.
        qr_code_id: String,
    },
    /// A QR code started its last allowed contract (`MaxFlowNum`).
    QrCodeExhausted {
        /// The code.
        qr_code_id: String,
    },
    /// A scan started a contract.
    FlowStarted {
        /// The new contract.
        flow_id: String,
        /// Its name.
        flow_name: String,
        /// The code that was scanned.
        qr_code_id: String,
        /// The template.
        template_id: String,
        /// The person who scanned.
        signer_name: String,
        /// Their mobile number.
        signer_mobile: String,
        /// When the contract expires unsigned, in Unix seconds.
        deadline: u64,
        /// The code's `UserData`, for callbacks.
        user_data: Option<String>,
    },
    /// A signer signed a contract (`complete` once every signer has).
    FlowSigned {
        /// The contract.
        flow_id: String,
        /// The code that started it, for a contract started by a scan.
        #[serde(skip_serializing_if = "Option::is_none")]
        qr_code_id: Option<String>,
        /// The signer's slot in the contract (`RecipientId`).
        recipient_id: String,
        /// Whether every signer has now signed.
        complete: bool,
        /// The contract's `UserData` (a scanned code's), for callbacks.
        user_data: Option<String>,
    },
    /// A contract was started from uploaded files (`CreateFlowByFiles`).
    FlowCreated {
        /// The new contract.
        flow_id: String,
        /// Its name.
        flow_name: String,
        /// The files it was made of.
        file_ids: Vec<String>,
        /// The employee who started it.
        operator_id: String,
        /// When it expires unsigned, in Unix seconds.
        deadline: u64,
        /// The request's `UserData`, for callbacks.
        user_data: Option<String>,
    },
    /// A signer refused to sign; the contract is over.
    FlowRejected {
        /// The contract.
        flow_id: String,
        /// The code that started it, for a contract started by a scan.
        #[serde(skip_serializing_if = "Option::is_none")]
        qr_code_id: Option<String>,
        /// The signer who refused (`RecipientId`).
        recipient_id: String,
        /// The reason they gave.
        reason: String,
        /// The contract's `UserData`, for callbacks.
        user_data: Option<String>,
    },
    /// The initiator cancelled a contract (`CancelFlow`).
    FlowCancelled {
        /// The contract.
        flow_id: String,
        /// The code that started it, for a contract started by a scan.
        #[serde(skip_serializing_if = "Option::is_none")]
        qr_code_id: Option<String>,
        /// The reason given (`CancelMessage`).
        reason: String,
        /// The contract's `UserData`, for callbacks.
        user_data: Option<String>,
    },
    /// The organization's contract quota reached zero.
    QuotaExhausted {
        /// The organization.
        organization_id: String,
    },
    /// A contract was not signed before its deadline. Recorded when the
    /// emulator notices: at the next request or scan, when the clock is
    /// moved, or within a second otherwise.
    FlowExpired {
        /// The contract.
        flow_id: String,
        /// The code that started it, for a contract started by a scan.
        #[serde(skip_serializing_if = "Option::is_none")]
        qr_code_id: Option<String>,
        /// Its deadline, in Unix seconds.
        deadline: u64,
        /// The code's `UserData`, for callbacks.
        user_data: Option<String>,
    },
    /// A scan could not start a contract: the organization has no contract
    /// quota left (the scan answered `OperationDenied.NoQuota`).
    ScanRefusedNoQuota {
        /// The code that was scanned.
        qr_code_id: String,
        /// Its template.
        template_id: String,
        /// The name the contract would have had (the code's `FlowName`).
        flow_name: String,
        /// The person who scanned.
        signer_name: String,
        /// Their mobile number.
        signer_mobile: String,
        /// The code's `UserData`, for callbacks.
        user_data: Option<String>,
    },
}

/// The recorded events and the live channel.
pub(crate) struct EventLog {
    events: VecDeque<Event>,
    next_seq: u64,
    sender: broadcast::Sender<Event>,
}

impl EventLog {
    pub(crate) fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            events: VecDeque::new(),
            next_seq: 1,
            sender,
        }
    }

    pub(crate) fn record(&mut self, at: u64, kind: EventKind) {
        let event = Event {
            seq: self.next_seq,
            at,
            kind,
        };
        self.next_seq += 1;
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        // No subscriber is not an error.
        let _ = self.sender.send(event.clone());
        self.events.push_back(event);
    }

    /// The events after sequence number `seq` (sequence numbers have no
    /// gaps, so this is a slice of the kept ones).
    pub(crate) fn since(&self, seq: u64) -> Vec<Event> {
        let first = self.events.front().map_or(self.next_seq, |e| e.seq);
        let skip =
            usize::try_from(seq.saturating_add(1).saturating_sub(first)).unwrap_or(usize::MAX);
        self.events.iter().skip(skip).cloned().collect()
    }

    /// The sequence number of the last recorded event (0 before the first).
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_numbered_and_serialized_flat() {
        let mut log = EventLog::new();
        let mut rx = log.subscribe();
        log.record(
            5,
            EventKind::QrCodeCancelled {
                qr_code_id: "q".into(),
            },
        );
        log.record(
            6,
            EventKind::QuotaExhausted {
                organization_id: "o".into(),
            },
        );
        assert_eq!(log.since(0).len(), 2);
        assert_eq!(log.since(1)[0].seq, 2);
        assert!(log.since(2).is_empty());
        assert!(log.since(u64::MAX).is_empty());
        assert_eq!(log.last_seq(), 2);
        assert_eq!(rx.try_recv().unwrap().seq, 1);
        let json = serde_json::to_value(&log.since(0)[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"Seq": 1, "At": 5, "Type": "QrCodeCancelled", "QrCodeId": "q"})
        );
    }

    #[test]
    fn since_after_old_events_are_dropped() {
        let mut log = EventLog::new();
        for i in 0..(MAX_EVENTS as u64 + 5) {
            log.record(
                i,
                EventKind::QrCodeCancelled {
                    qr_code_id: i.to_string(),
                },
            );
        }
        let all = log.since(0);
        assert_eq!(all.len(), MAX_EVENTS);
        assert_eq!(all[0].seq, 6);
        let tail = log.since(MAX_EVENTS as u64 + 3);
        assert_eq!(
            tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [10_004, 10_005]
        );
    }
}
