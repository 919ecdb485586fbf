//! What changes while the emulator runs: QR codes, contracts, quota and
//! events. Kept in memory only.

use ess_api::service::codes;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::events::{EventKind, EventLog};
use crate::time::DAY;
use crate::world::World;

/// A person allowed to use a code, as the emulator keeps it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Allowed {
    pub name: String,
    pub mobile: String,
    pub id_card_number: Option<String>,
}

/// What never changes about a QR code once it is created: shared, so
/// that a copy of the state (`GET /_emulator/state`) takes a reference
/// count under the lock instead of a dozen strings.
pub(crate) struct QrFixed {
    pub id: String,
    pub template_id: String,
    pub operator_id: String,
    pub flow_name: String,
    pub qr_code_name: String,
    pub max_flow_num: u64,
    pub flow_effective_day: u64,
    pub flow_display_type: i64,
    pub restrictions: Vec<Allowed>,
    pub forbid_personal_multiple_sign: bool,
    pub append_scanner_info: bool,
    pub user_data: Option<String>,
    pub created_at: u64,
    pub expired_time: u64,
    pub sign_url: String,
    pub qr_code_url: String,
}

/// A QR code as the emulator keeps it: its fixed part, and what scans and
/// cancelling change.
pub(crate) struct QrCode {
    fixed: Arc<QrFixed>,
    pub cancelled_at: Option<u64>,
    pub flows_started: u64,
    pub signer_mobiles: HashSet<String>,
}

impl QrCode {
    pub(crate) fn new(fixed: QrFixed) -> Self {
        QrCode {
            fixed: Arc::new(fixed),
            cancelled_at: None,
            flows_started: 0,
            signer_mobiles: HashSet::new(),
        }
    }

    /// What a copy of the state needs of it.
    fn row(&self) -> QrRow {
        QrRow {
            fixed: self.fixed.clone(),
            cancelled_at: self.cancelled_at,
            flows_started: self.flows_started,
        }
    }
}

impl std::ops::Deref for QrCode {
    type Target = QrFixed;

    fn deref(&self) -> &QrFixed {
        &self.fixed
    }
}

/// A QR code as copied under the lock, turned into a [`QrCodeInfo`]
/// after it is released.
pub(crate) struct QrRow {
    fixed: Arc<QrFixed>,
    cancelled_at: Option<u64>,
    flows_started: u64,
}

impl QrRow {
    pub(crate) fn info(&self, now: u64) -> QrCodeInfo {
        let code = &*self.fixed;
        let status = if self.cancelled_at.is_some() {
            QrCodeStatus::Cancelled
        } else if now >= code.expired_time {
            QrCodeStatus::Expired
        } else if self.flows_started >= code.max_flow_num {
            QrCodeStatus::Exhausted
        } else {
            QrCodeStatus::Active
        };
        QrCodeInfo {
            qr_code_id: code.id.clone(),
            template_id: code.template_id.clone(),
            operator_id: code.operator_id.clone(),
            flow_name: code.flow_name.clone(),
            qr_code_name: code.qr_code_name.clone(),
            max_flow_num: code.max_flow_num,
            flows_started: self.flows_started,
            flow_effective_day: code.flow_effective_day,
            flow_display_type: code.flow_display_type,
            created_at: code.created_at,
            expired_time: code.expired_time,
            cancelled_at: self.cancelled_at,
            restriction_count: code.restrictions.len(),
            forbid_personal_multiple_sign: code.forbid_personal_multiple_sign,
            flow_name_append_scanner_info: code.append_scanner_info,
            user_data: code.user_data.clone(),
            sign_url: code.sign_url.clone(),
            qr_code_url: code.qr_code_url.clone(),
            status,
        }
    }
}

/// A page of the state as copied under the lock: cheap to take (the QR
/// codes' fixed parts are shared), encoded after the lock is released.
pub(crate) struct StateCopy {
    now: u64,
    organization_id: String,
    quota_remaining: u64,
    qr_codes: Vec<QrRow>,
    flows: Vec<FlowInfo>,
    total_qr_codes: usize,
    total_flows: usize,
}

/// A [`StateCopy`] serialized as a [`Snapshot`] is, each QR code's
/// [`QrCodeInfo`] made as it is written and dropped at once: encoding
/// allocates little besides the output.
impl Serialize for StateCopy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Rows<'a>(&'a [QrRow], u64);
        impl Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for row in self.0 {
                    seq.serialize_element(&row.info(self.1))?;
                }
                seq.end()
            }
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct View<'a> {
            now: u64,
            organization_id: &'a str,
            quota_remaining: u64,
            qr_codes: Rows<'a>,
            flows: &'a [FlowInfo],
            total_qr_codes: usize,
            total_flows: usize,
        }
        View {
            now: self.now,
            organization_id: &self.organization_id,
            quota_remaining: self.quota_remaining,
            qr_codes: Rows(&self.qr_codes, self.now),
            flows: &self.flows,
            total_qr_codes: self.total_qr_codes,
            total_flows: self.total_flows,
        }
        .serialize(serializer)
    }
}

impl StateCopy {
    /// About how many bytes its JSON takes, to size the output once.
    pub(crate) fn size_hint(&self) -> usize {
        self.qr_codes
            .len()
            .saturating_mul(700)
            .saturating_add(self.flows.len().saturating_mul(900))
            .saturating_add(256)
    }

    pub(crate) fn into_snapshot(self) -> Snapshot {
        let now = self.now;
        Snapshot {
            now,
            organization_id: self.organization_id,
            quota_remaining: self.quota_remaining,
            qr_codes: self.qr_codes.iter().map(|r| r.info(now)).collect(),
            flows: self.flows,
            total_qr_codes: self.total_qr_codes,
            total_flows: self.total_flows,
        }
    }
}

/// Who a signer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SignerKind {
    /// A person signing for themselves.
    Person,
    /// An employee signing for an organization.
    Organization,
}

/// Where a signer stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SignerState {
    Waiting,
    Signed(u64),
    Refused(u64, String),
}

/// One signer of a contract, as the emulator keeps it.
pub(crate) struct Signer {
    /// The signer's slot in the contract (`RecipientId`).
    pub recipient_id: String,
    pub kind: SignerKind,
    pub name: String,
    pub mobile: String,
    pub organization_name: Option<String>,
    pub state: SignerState,
}

/// How a contract ended, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Signed(u64),
    Rejected(u64, String),
    Cancelled(u64, String),
    Expired,
}

/// A contract, started by a scan or from uploaded files.
pub(crate) struct Flow {
    pub id: String,
    pub document_id: String,
    pub name: String,
    /// The code whose scan started it.
    pub qr_code_id: Option<String>,
    /// The uploaded files it was started from.
    pub file_ids: Vec<String>,
    pub template_id: Option<String>,
    pub description: String,
    pub flow_type: String,
    /// The employee who started it (a code's creator for a scan).
    pub creator: String,
    pub unordered: bool,
    pub user_data: Option<String>,
    pub approvers: Vec<Signer>,
    pub created_at: u64,
    pub deadline: u64,
    pub ending: Option<Ending>,
}

impl Flow {
    /// Where it stands at `now`.
    pub(crate) fn status(&self, now: u64) -> FlowStatus {
        match &self.ending {
            Some(Ending::Signed(_)) => FlowStatus::Signed,
            Some(Ending::Rejected(..)) => FlowStatus::Rejected,
            Some(Ending::Cancelled(..)) => FlowStatus::Cancelled,
            Some(Ending::Expired) => FlowStatus::Expired,
            None if now > self.deadline => FlowStatus::Expired,
            None if self
                .approvers
                .iter()
                .any(|a| matches!(a.state, SignerState::Signed(_))) =>
            {
                FlowStatus::PartlySigned
            }
            None => FlowStatus::Started,
        }
    }

    /// The reason given for a refusal or a cancellation.
    pub(crate) fn message(&self) -> &str {
        match &self.ending {
            Some(Ending::Rejected(_, m) | Ending::Cancelled(_, m)) => m,
            _ => "",
        }
    }

    /// When it ended (signed, refused, cancelled), or its deadline once
    /// past it unsigned; `None` while it goes on.
    fn ended_at(&self, now: u64) -> Option<u64> {
        match &self.ending {
            Some(Ending::Signed(at) | Ending::Rejected(at, _) | Ending::Cancelled(at, _)) => {
                Some(*at)
            }
            Some(Ending::Expired) => Some(self.deadline),
            None if now > self.deadline => Some(self.deadline),
            None => None,
        }
    }

    /// A signer's `ApproveStatus` as the service documents it: `2` waiting
    /// to sign, `3` signed, `4` refused, `5` expired, `6` cancelled.
    pub(crate) fn approve_status(&self, signer: &Signer, now: u64) -> i64 {
        match (&signer.state, self.status(now)) {
            (SignerState::Signed(_), _) => 3,
            (SignerState::Refused(..), _) => 4,
            (SignerState::Waiting, FlowStatus::Expired) => 5,
            (SignerState::Waiting, FlowStatus::Cancelled | FlowStatus::Rejected) => 6,
            (SignerState::Waiting, _) => 2,
        }
    }

    /// The first signer whose turn it is: in ordered contracts, the first
    /// who has not signed; in unordered ones, any who has not.
    fn next_waiting(&self) -> Option<usize> {
        self.approvers
            .iter()
            .position(|a| a.state == SignerState::Waiting)
    }
}

/// Where a QR code stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QrCodeStatus {
    /// It can start contracts.
    Active,
    /// It was cancelled.
    Cancelled,
    /// Its expiry time has passed.
    Expired,
    /// It started as many contracts as `MaxFlowNum` allows.
    Exhausted,
}

/// A QR code, as [`Emulator::qr_code`](crate::Emulator::qr_code) shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct QrCodeInfo {
    /// The code's id (32 characters).
    pub qr_code_id: String,
    /// Its template.
    pub template_id: String,
    /// The employee who created it.
    pub operator_id: String,
    /// The name given to the contracts it starts.
    pub flow_name: String,
    /// The name printed with the code.
    pub qr_code_name: String,
    /// How many contracts it may start.
    pub max_flow_num: u64,
    /// How many it started.
    pub flows_started: u64,
    /// Days each contract may be signed in.
    pub flow_effective_day: u64,
    /// The word for "contract" shown to signers (`FlowDisplayType`).
    pub flow_display_type: i64,
    /// When it was created, in Unix seconds.
    pub created_at: u64,
    /// When it stops working, in Unix seconds.
    pub expired_time: u64,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<u64>,
    /// How many people are allowed to use it; 0 means anyone.
    pub restriction_count: usize,
    /// Whether one person may start only one contract.
    pub forbid_personal_multiple_sign: bool,
    /// Whether contract names get the scanner's name and mobile digits.
    pub flow_name_append_scanner_info: bool,
    /// The caller's data, returned in callbacks.
    pub user_data: Option<String>,
    /// The sign link the code holds.
    pub sign_url: String,
    /// Where the code's PNG image is served.
    pub qr_code_url: String,
    /// Where it stands now.
    pub status: QrCodeStatus,
}

/// Where a contract stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum FlowStatus {
    /// Waiting for its signers (`FlowStatus` 1).
    Started,
    /// Some signers signed, others have not yet (2).
    PartlySigned,
    /// A signer refused to sign (3).
    Rejected,
    /// Every signer signed (4).
    Signed,
    /// Not signed before its deadline (5).
    Expired,
    /// Cancelled by the initiator (6).
    Cancelled,
}

impl FlowStatus {
    /// The service's `FlowStatus` value.
    pub fn code(self) -> i64 {
        match self {
            FlowStatus::Started => 1,
            FlowStatus::PartlySigned => 2,
            FlowStatus::Rejected => 3,
            FlowStatus::Signed => 4,
            FlowStatus::Expired => 5,
            FlowStatus::Cancelled => 6,
        }
    }

    /// Whether nothing more can happen to the contract.
    pub fn is_final(self) -> bool {
        !matches!(self, FlowStatus::Started | FlowStatus::PartlySigned)
    }
}

/// One signer of a contract, as [`FlowInfo`] shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SignerInfo {
    /// The signer's slot in the contract (`RecipientId`, 32 characters).
    pub recipient_id: String,
    /// A person or an organization's employee.
    pub kind: SignerKind,
    /// Their name.
    pub name: String,
    /// Their mobile number.
    pub mobile: String,
    /// The organization they sign for, if any.
    pub organization_name: Option<String>,
    /// The service's `ApproveStatus`: `2` waiting, `3` signed, `4`
    /// refused, `5` expired, `6` cancelled.
    pub approve_status: i64,
    /// When they signed or refused, in Unix seconds.
    pub approved_at: Option<u64>,
}

/// A contract, started by a scan or from uploaded files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct FlowInfo {
    /// The contract's id (32 characters).
    pub flow_id: String,
    /// Its document's id (32 characters), as callbacks report it.
    pub document_id: String,
    /// Its name.
    pub flow_name: String,
    /// The code whose scan started it, if a scan did.
    pub qr_code_id: Option<String>,
    /// The uploaded files it was started from (`CreateFlowByFiles`).
    pub file_ids: Vec<String>,
    /// Its template, for a contract started by a scan.
    pub template_id: Option<String>,
    /// The first signer's name (for a scan, the person who scanned).
    pub signer_name: String,
    /// The first signer's mobile number.
    pub signer_mobile: String,
    /// Every signer, in signing order.
    pub signers: Vec<SignerInfo>,
    /// When it started, in Unix seconds.
    pub created_at: u64,
    /// When it expires unsigned, in Unix seconds.
    pub deadline: u64,
    /// When every signer had signed, if they have.
    pub signed_at: Option<u64>,
    /// The reason given for a refusal or a cancellation (empty otherwise).
    pub message: String,
    /// The caller's data, returned in callbacks.
    pub user_data: Option<String>,
    /// Where it stands now.
    pub status: FlowStatus,
}

/// A person scanning a QR code: what the signing page asks for.
///
/// Also the JSON body of `POST /_emulator/scan`:
/// `{"QrCodeId", "Name", "Mobile", "IdCardType"?, "IdCardNumber"?}`.
/// `Debug` hides the mobile number and the identity document number.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScanRequest {
    /// The scanned code.
    pub qr_code_id: String,
    /// The person's name.
    pub name: String,
    /// Their mobile number (11 digits).
    pub mobile: String,
    /// Type of their identity document (`ID_CARD`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card_type: Option<String>,
    /// Number of their identity document, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card_number: Option<String>,
}

impl ScanRequest {
    /// A scan of `qr_code_id` by a person with a name and a mobile number.
    pub fn new(
        qr_code_id: impl Into<String>,
        name: impl Into<String>,
        mobile: impl Into<String>,
    ) -> Self {
        Self {
            qr_code_id: qr_code_id.into(),
            name: name.into(),
            mobile: mobile.into(),
            id_card_type: None,
            id_card_number: None,
        }
    }

    /// Adds a mainland resident identity card (`ID_CARD`) number.
    pub fn with_id_card(mut self, number: impl Into<String>) -> Self {
        self.id_card_type = Some("ID_CARD".to_owned());
        self.id_card_number = Some(number.into());
        self
    }
}

impl fmt::Debug for ScanRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanRequest")
            .field("qr_code_id", &self.qr_code_id)
            .field("name", &self.name)
            .field("mobile", &"** hidden **")
            .field("id_card_type", &self.id_card_type)
            .field(
                "id_card_number",
                &self.id_card_number.as_ref().map(|_| "** hidden **"),
            )
            .finish()
    }
}

/// The contract a scan started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct StartedFlow {
    /// The new contract's id (32 characters).
    pub flow_id: String,
    /// Its name; with the scanner's name and last four mobile digits when
    /// the code asks for it (`员工入职合同-张三-9527`).
    pub flow_name: String,
    /// When it expires unsigned, in Unix seconds.
    pub deadline: u64,
    /// The code that started it.
    pub qr_code_id: String,
}

/// Everything the emulator holds, as `GET /_emulator/state` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Snapshot {
    /// Emulator time, in Unix seconds.
    pub now: u64,
    /// The organization's id.
    pub organization_id: String,
    /// Contracts the organization can still start.
    pub quota_remaining: u64,
    /// Every QR code, oldest first.
    pub qr_codes: Vec<QrCodeInfo>,
    /// Every contract, oldest first.
    pub flows: Vec<FlowInfo>,
    /// How many QR codes there are in all (more than `qr_codes` holds
    /// when the snapshot is a page).
    pub total_qr_codes: usize,
    /// How many contracts there are in all.
    pub total_flows: usize,
}

/// The mutable part of the emulator.
pub(crate) struct State {
    pub quota_remaining: u64,
    qr_codes: Vec<QrCode>,
    qr_index: HashMap<String, usize>,
    flows: Vec<Flow>,
    flow_index: HashMap<String, usize>,
    /// Unsigned contracts whose expiry is not recorded yet, by deadline.
    open: BTreeSet<(u64, usize)>,
    pub events: EventLog,
    /// Files uploaded with `UploadFiles` that have not expired yet.
    pub files: FileStore,
    /// The most QR codes kept.
    pub max_qr_codes: usize,
    /// The most contracts kept.
    pub max_flows: usize,
    /// How long a QR code or a contract is kept once it is over.
    pub retention: u64,
    /// When codes and contracts may be forgotten: `(time, is a contract,
    /// id)`, checked again when due.
    evictions: BTreeSet<(u64, bool, String)>,
}

impl State {
    pub(crate) fn new(world: &World) -> Self {
        Self {
            quota_remaining: world.organization.contract_quota,
            qr_codes: Vec::new(),
            qr_index: HashMap::new(),
            flows: Vec::new(),
            flow_index: HashMap::new(),
            open: BTreeSet::new(),
            events: EventLog::new(),
            files: FileStore::default(),
            max_qr_codes: crate::DEFAULT_MAX_QR_CODES,
            max_flows: crate::DEFAULT_MAX_FLOWS,
            retention: crate::DEFAULT_RETENTION.as_secs(),
            evictions: BTreeSet::new(),
        }
    }

    pub(crate) fn add_qr_code(&mut self, code: QrCode) {
        self.events.record(
            code.created_at,
            EventKind::QrCodeCreated {
                qr_code_id: code.id.clone(),
                template_id: code.template_id.clone(),
                operator_id: code.operator_id.clone(),
            },
        );
        self.evictions.insert((
            code.expired_time.saturating_add(self.retention),
            false,
            code.id.clone(),
        ));
        self.qr_index.insert(code.id.clone(), self.qr_codes.len());
        self.qr_codes.push(code);
    }

    /// How many QR codes are kept.
    pub(crate) fn qr_code_count(&self) -> usize {
        self.qr_codes.len()
    }

    pub(crate) fn qr_code(&self, id: &str) -> Option<&QrCode> {
        self.qr_index.get(id).map(|&i| &self.qr_codes[i])
    }

    fn qr_code_mut(&mut self, id: &str) -> Option<&mut QrCode> {
        self.qr_index.get(id).map(|&i| &mut self.qr_codes[i])
    }

    /// Cancels a code; cancelling it again changes nothing.
    pub(crate) fn cancel(&mut self, id: &str, now: u64) -> Result<(), ApiError> {
        let code = self.qr_code_mut(id).ok_or_else(|| qr_not_found(id))?;
        if code.cancelled_at.is_some() {
            return Ok(());
        }
        code.cancelled_at = Some(now);
        let evict_at = now.saturating_add(self.retention);
        self.evictions.insert((evict_at, false, id.to_owned()));
        self.events.record(
            now,
            EventKind::QrCodeCancelled {
                qr_code_id: id.to_owned(),
            },
        );
        Ok(())
    }

    pub(crate) fn qr_info(&self, code: &QrCode, now: u64) -> QrCodeInfo {
        code.row().info(now)
    }

    pub(crate) fn flow_info(flow: &Flow, now: u64) -> FlowInfo {
        let signers: Vec<SignerInfo> = flow
            .approvers
            .iter()
            .map(|a| SignerInfo {
                recipient_id: a.recipient_id.clone(),
                kind: a.kind,
                name: a.name.clone(),
                mobile: a.mobile.clone(),
                organization_name: a.organization_name.clone(),
                approve_status: flow.approve_status(a, now),
                approved_at: match &a.state {
                    SignerState::Signed(at) | SignerState::Refused(at, _) => Some(*at),
                    SignerState::Waiting => None,
                },
            })
            .collect();
        let first = flow.approvers.first();
        FlowInfo {
            flow_id: flow.id.clone(),
            document_id: flow.document_id.clone(),
            flow_name: flow.name.clone(),
            qr_code_id: flow.qr_code_id.clone(),
            file_ids: flow.file_ids.clone(),
            template_id: flow.template_id.clone(),
            signer_name: first.map(|a| a.name.clone()).unwrap_or_default(),
            signer_mobile: first.map(|a| a.mobile.clone()).unwrap_or_default(),
            signers,
            created_at: flow.created_at,
            deadline: flow.deadline,
            signed_at: match flow.ending {
                Some(Ending::Signed(at)) => Some(at),
                _ => None,
            },
            message: flow.message().to_owned(),
            user_data: flow.user_data.clone(),
            status: flow.status(now),
        }
    }

    pub(crate) fn qr_infos(&self, now: u64) -> Vec<QrCodeInfo> {
        self.qr_codes.iter().map(|c| self.qr_info(c, now)).collect()
    }

    pub(crate) fn flow(&self, id: &str, now: u64) -> Option<FlowInfo> {
        self.flow_index
            .get(id)
            .map(|&i| Self::flow_info(&self.flows[i], now))
    }

    /// A contract as the emulator keeps it.
    pub(crate) fn flow_record(&self, id: &str) -> Option<&Flow> {
        self.flow_index.get(id).map(|&i| &self.flows[i])
    }

    pub(crate) fn flows(&self, now: u64) -> Vec<FlowInfo> {
        self.flows.iter().map(|f| Self::flow_info(f, now)).collect()
    }

    pub(crate) fn snapshot(&self, world: &World, now: u64) -> Snapshot {
        self.copy_page(world, now, 0, usize::MAX).into_snapshot()
    }

    /// A copy of at most `limit` QR codes and `limit` contracts, from the
    /// `offset`-th of each (oldest first), to encode once the lock is
    /// released.
    pub(crate) fn copy_page(
        &self,
        world: &World,
        now: u64,
        offset: usize,
        limit: usize,
    ) -> StateCopy {
        StateCopy {
            now,
            organization_id: world.organization.id.clone(),
            quota_remaining: self.quota_remaining,
            qr_codes: self
                .qr_codes
                .iter()
                .skip(offset)
                .take(limit)
                .map(QrCode::row)
                .collect(),
            flows: self
                .flows
                .iter()
                .skip(offset)
                .take(limit)
                .map(|f| Self::flow_info(f, now))
                .collect(),
            total_qr_codes: self.qr_codes.len(),
            total_flows: self.flows.len(),
        }
    }

    /// A person scans a code and starts a contract of their own.
    pub(crate) fn scan(
        &mut self,
        world: &World,
        scan: &ScanRequest,
        now: u64,
        mut new_id: impl FnMut() -> String,
    ) -> Result<StartedFlow, ApiError> {
        check_person(
            "",
            Some(&scan.name),
            Some(&scan.mobile),
            scan.id_card_type.as_deref(),
            scan.id_card_number.as_deref(),
        )?;
        let name = scan.name.trim();
        let id_number = scan.id_card_number.as_deref().map(str::to_ascii_uppercase);
        let code = self
            .qr_code(&scan.qr_code_id)
            .ok_or_else(|| qr_not_found(&scan.qr_code_id))?;
        if code.cancelled_at.is_some() {
            return Err(qr_invalid("the QR code was cancelled"));
        }
        if now >= code.expired_time {
            return Err(qr_invalid("the QR code has expired"));
        }
        if self.flows.len() >= self.max_flows {
            return Err(too_many_flows(self.max_flows));
        }
        if code.flows_started >= code.max_flow_num {
            return Err(qr_invalid(format!(
                "the QR code has started as many contracts as it may ({})",
                code.max_flow_num
            )));
        }
        if !code.restrictions.is_empty()
            && !code.restrictions.iter().any(|r| {
                r.name == name
                    && r.mobile == scan.mobile
                    && r.id_card_number
                        .as_ref()
                        .is_none_or(|n| Some(n) == id_number.as_ref())
            })
        {
            return Err(ApiError::new(
                codes::OPERATION_DENIED_FORBID,
                "the scanner is not one of the people allowed to sign through this QR code",
            ));
        }
        if code.forbid_personal_multiple_sign && code.signer_mobiles.contains(&scan.mobile) {
            return Err(ApiError::new(
                codes::OPERATION_DENIED_FORBID,
                "this person already started a contract from this QR code, which allows one per person",
            ));
        }
        if self.quota_remaining == 0 {
            let event = EventKind::ScanRefusedNoQuota {
                qr_code_id: code.id.clone(),
                template_id: code.template_id.clone(),
                flow_name: code.flow_name.clone(),
                signer_name: name.to_owned(),
                signer_mobile: scan.mobile.clone(),
                user_data: code.user_data.clone(),
            };
            self.events.record(now, event);
            return Err(no_quota());
        }

        let flow_name = if code.append_scanner_info {
            let digits = &scan.mobile[scan.mobile.len().saturating_sub(4)..];
            format!("{}-{name}-{digits}", code.flow_name)
        } else {
            code.flow_name.clone()
        };
        let deadline = now.saturating_add(code.flow_effective_day.saturating_mul(DAY));
        let (template_id, user_data, max) = (
            code.template_id.clone(),
            code.user_data.clone(),
            code.max_flow_num,
        );
        let flow_id = new_id();
        let document_id = new_id();
        let recipient_id = new_id();
        let creator = code.operator_id.clone();

        self.quota_remaining -= 1;
        let code = self
            .qr_code_mut(&scan.qr_code_id)
            .ok_or_else(|| qr_not_found(&scan.qr_code_id))?;
        code.flows_started += 1;
        code.signer_mobiles.insert(scan.mobile.clone());
        let exhausted = code.flows_started >= max;

        let unordered = world
            .template(&template_id)
            .is_some_and(|t| t.signing_order == crate::world::SigningOrder::Unordered);
        self.push_flow(Flow {
            id: flow_id.clone(),
            document_id,
            name: flow_name.clone(),
            qr_code_id: Some(scan.qr_code_id.clone()),
            file_ids: Vec::new(),
            template_id: Some(template_id.clone()),
            description: String::new(),
            flow_type: String::new(),
            creator,
            unordered,
            user_data: user_data.clone(),
            approvers: vec![Signer {
                recipient_id,
                kind: SignerKind::Person,
                name: name.to_owned(),
                mobile: scan.mobile.clone(),
                organization_name: None,
                state: SignerState::Waiting,
            }],
            created_at: now,
            deadline,
            ending: None,
        });
        self.events.record(
            now,
            EventKind::FlowStarted {
                flow_id: flow_id.clone(),
                flow_name: flow_name.clone(),
                qr_code_id: scan.qr_code_id.clone(),
                template_id,
                signer_name: name.to_owned(),
                signer_mobile: scan.mobile.clone(),
                deadline,
                user_data,
            },
        );
        if exhausted {
            self.events.record(
                now,
                EventKind::QrCodeExhausted {
                    qr_code_id: scan.qr_code_id.clone(),
                },
            );
        }
        if self.quota_remaining == 0 {
            self.events.record(
                now,
                EventKind::QuotaExhausted {
                    organization_id: world.organization.id.clone(),
                },
            );
        }
        Ok(StartedFlow {
            flow_id,
            flow_name,
            deadline,
            qr_code_id: scan.qr_code_id.clone(),
        })
    }

    fn push_flow(&mut self, flow: Flow) {
        self.evictions.insert((
            flow.deadline.saturating_add(self.retention),
            true,
            flow.id.clone(),
        ));
        self.flow_index.insert(flow.id.clone(), self.flows.len());
        self.open.insert((flow.deadline, self.flows.len()));
        self.flows.push(flow);
    }

    /// A contract that can still change: known, not over, not past its
    /// deadline.
    fn open_flow(&mut self, flow_id: &str, now: u64) -> Result<usize, ApiError> {
        let &i = self
            .flow_index
            .get(flow_id)
            .ok_or_else(|| flow_not_found(flow_id))?;
        let status = self.flows[i].status(now);
        if status.is_final() {
            return Err(ApiError::new(
                codes::OPERATION_DENIED_FLOW_HAS_TERMINATED,
                format!("the contract is over: {}", status_words(status)),
            ));
        }
        Ok(i)
    }

    /// The signer of contract `i` named by `recipient_id`, or the first
    /// waiting one; it must be waiting, and in an ordered contract it must
    /// be its turn.
    fn signer_to_act(&self, i: usize, recipient_id: Option<&str>) -> Result<usize, ApiError> {
        let flow = &self.flows[i];
        let next = flow.next_waiting();
        let Some(id) = recipient_id.filter(|r| !r.is_empty()) else {
            return next.ok_or_else(|| {
                ApiError::new(
                    codes::OPERATION_DENIED_FLOW_HAS_TERMINATED,
                    "every signer has acted",
                )
            });
        };
        let j = flow
            .approvers
            .iter()
            .position(|a| a.recipient_id == id)
            .ok_or_else(|| {
                ApiError::new(
                    codes::RESOURCE_NOT_FOUND_FLOW_APPROVER,
                    format!("the contract {} has no signer {id}", flow.id),
                )
            })?;
        if flow.approvers[j].state != SignerState::Waiting {
            return Err(ApiError::new(
                codes::OPERATION_DENIED_FLOW_HAS_TERMINATED,
                format!("the signer {id} has already acted"),
            ));
        }
        if !flow.unordered && next != Some(j) {
            return Err(ApiError::new(
                codes::OPERATION_DENIED,
                format!("the contract is signed in order and it is not yet the turn of {id}"),
            ));
        }
        Ok(j)
    }

    /// A signer signs a contract: the one named by `recipient_id`, or
    /// the next one. The contract is signed once every signer has.
    pub(crate) fn sign(
        &mut self,
        flow_id: &str,
        recipient_id: Option<&str>,
        now: u64,
    ) -> Result<FlowInfo, ApiError> {
        let i = self.open_flow(flow_id, now)?;
        let j = self.signer_to_act(i, recipient_id)?;
        let flow = &mut self.flows[i];
        flow.approvers[j].state = SignerState::Signed(now);
        let complete = flow.next_waiting().is_none();
        if complete {
            flow.ending = Some(Ending::Signed(now));
            self.open.remove(&(flow.deadline, i));
            let evict_at = now.saturating_add(self.retention);
            self.evictions.insert((evict_at, true, flow_id.to_owned()));
        }
        let flow = &self.flows[i];
        self.events.record(
            now,
            EventKind::FlowSigned {
                flow_id: flow.id.clone(),
                qr_code_id: flow.qr_code_id.clone(),
                recipient_id: flow.approvers[j].recipient_id.clone(),
                complete,
                user_data: flow.user_data.clone(),
            },
        );
        Ok(Self::flow_info(flow, now))
    }

    /// A signer refuses to sign: the contract is over.
    pub(crate) fn reject(
        &mut self,
        flow_id: &str,
        recipient_id: Option<&str>,
        reason: &str,
        now: u64,
    ) -> Result<FlowInfo, ApiError> {
        let i = self.open_flow(flow_id, now)?;
        let j = self.signer_to_act(i, recipient_id)?;
        let flow = &mut self.flows[i];
        flow.approvers[j].state = SignerState::Refused(now, reason.to_owned());
        flow.ending = Some(Ending::Rejected(now, reason.to_owned()));
        self.open.remove(&(flow.deadline, i));
        let evict_at = now.saturating_add(self.retention);
        self.evictions.insert((evict_at, true, flow_id.to_owned()));
        let flow = &self.flows[i];
        self.events.record(
            now,
            EventKind::FlowRejected {
                flow_id: flow.id.clone(),
                qr_code_id: flow.qr_code_id.clone(),
                recipient_id: flow.approvers[j].recipient_id.clone(),
                reason: reason.to_owned(),
                user_data: flow.user_data.clone(),
            },
        );
        Ok(Self::flow_info(flow, now))
    }

    /// The initiator cancels a contract that is not over.
    pub(crate) fn cancel_flow(
        &mut self,
        flow_id: &str,
        reason: &str,
        now: u64,
    ) -> Result<FlowInfo, ApiError> {
        let i = self.open_flow(flow_id, now)?;
        let flow = &mut self.flows[i];
        flow.ending = Some(Ending::Cancelled(now, reason.to_owned()));
        self.open.remove(&(flow.deadline, i));
        let evict_at = now.saturating_add(self.retention);
        self.evictions.insert((evict_at, true, flow_id.to_owned()));
        let flow = &self.flows[i];
        self.events.record(
            now,
            EventKind::FlowCancelled {
                flow_id: flow.id.clone(),
                qr_code_id: flow.qr_code_id.clone(),
                reason: reason.to_owned(),
                user_data: flow.user_data.clone(),
            },
        );
        Ok(Self::flow_info(flow, now))
    }

    /// Starts a contract from uploaded files; the caller checked the
    /// request. Uses one unit of quota.
    pub(crate) fn create_from_files(
        &mut self,
        world: &World,
        flow: Flow,
        now: u64,
    ) -> Result<FlowInfo, ApiError> {
        if self.flows.len() >= self.max_flows {
            return Err(too_many_flows(self.max_flows));
        }
        if self.quota_remaining == 0 {
            return Err(no_quota());
        }
        self.quota_remaining -= 1;
        let event = EventKind::FlowCreated {
            flow_id: flow.id.clone(),
            flow_name: flow.name.clone(),
            file_ids: flow.file_ids.clone(),
            operator_id: flow.creator.clone(),
            deadline: flow.deadline,
            user_data: flow.user_data.clone(),
        };
        let id = flow.id.clone();
        self.push_flow(flow);
        self.events.record(now, event);
        if self.quota_remaining == 0 {
            self.events.record(
                now,
                EventKind::QuotaExhausted {
                    organization_id: world.organization.id.clone(),
                },
            );
        }
        self.flow(&id, now).ok_or_else(|| flow_not_found(&id))
    }

    /// Whether a contract id is taken.
    pub(crate) fn has_flow(&self, id: &str) -> bool {
        self.flow_index.contains_key(id)
    }

    /// How many contracts are kept.
    pub(crate) fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// The latest `n` QR codes, oldest first, each with what `extra`
    /// takes from it.
    pub(crate) fn latest_qr_codes<T>(
        &self,
        n: usize,
        now: u64,
        extra: impl Fn(&QrCode) -> T,
    ) -> Vec<(QrCodeInfo, T)> {
        let skip = self.qr_codes.len().saturating_sub(n);
        self.qr_codes[skip..]
            .iter()
            .map(|c| (self.qr_info(c, now), extra(c)))
            .collect()
    }

    /// The latest `n` contracts, oldest first.
    pub(crate) fn latest_flows(&self, n: usize, now: u64) -> Vec<FlowInfo> {
        let skip = self.flows.len().saturating_sub(n);
        self.flows[skip..]
            .iter()
            .map(|f| Self::flow_info(f, now))
            .collect()
    }
}

impl State {
    /// Forgets the QR codes and contracts that have been over for longer
    /// than the retention: codes cancelled or expired, contracts signed,
    /// refused, cancelled or expired. Returns what was forgotten, for the
    /// caller to drop once the lock is released. Costs a lookup when
    /// nothing is due; when something is, one pass over the codes and the
    /// contracts.
    pub(crate) fn evict_due(&mut self, now: u64) -> Forgotten {
        let retention = self.retention;
        let over = |end: u64| end.saturating_add(retention) <= now;
        let mut codes = HashSet::new();
        let mut flows = HashSet::new();
        while let Some((at, _, _)) = self.evictions.first() {
            if *at > now {
                break;
            }
            let Some((_, is_flow, id)) = self.evictions.pop_first() else {
                break;
            };
            if is_flow {
                if let Some(&i) = self.flow_index.get(&id) {
                    if self.flows[i].ended_at(now).is_some_and(over) {
                        flows.insert(id);
                    }
                }
            } else if let Some(&i) = self.qr_index.get(&id) {
                let code = &self.qr_codes[i];
                if code.cancelled_at.is_some_and(over) || over(code.expired_time) {
                    codes.insert(id);
                }
            }
        }
        let mut forgotten = Forgotten::default();
        if !codes.is_empty() {
            let (gone, kept) = std::mem::take(&mut self.qr_codes)
                .into_iter()
                .partition(|c| codes.contains(&c.id));
            self.qr_codes = kept;
            forgotten.qr_codes = gone;
            for id in &codes {
                self.qr_index.remove(id);
            }
            for (i, code) in self.qr_codes.iter().enumerate() {
                if let Some(slot) = self.qr_index.get_mut(&code.id) {
                    *slot = i;
                }
            }
        }
        if !flows.is_empty() {
            let (gone, kept) = std::mem::take(&mut self.flows)
                .into_iter()
                .partition(|f| flows.contains(&f.id));
            self.flows = kept;
            forgotten.flows = gone;
            for id in &flows {
                self.flow_index.remove(id);
            }
            for (i, flow) in self.flows.iter().enumerate() {
                if let Some(slot) = self.flow_index.get_mut(&flow.id) {
                    *slot = i;
                }
            }
            // Positions moved: the unsigned contracts' deadlines again.
            self.open = self
                .flows
                .iter()
                .enumerate()
                .filter(|(_, f)| f.ending.is_none())
                .map(|(i, f)| (f.deadline, i))
                .collect();
        }
        forgotten
    }

    /// Records the expiry of unsigned contracts whose deadline is before
    /// `now`, at most `limit` of them, earliest deadline first. Returns
    /// whether more are due.
    pub(crate) fn expire_due(&mut self, now: u64, limit: usize) -> bool {
        for _ in 0..limit {
            let Some(&(deadline, i)) = self.open.first() else {
                return false;
            };
            if deadline >= now {
                return false;
            }
            self.open.remove(&(deadline, i));
            let flow = &mut self.flows[i];
            flow.ending = Some(Ending::Expired);
            let event = EventKind::FlowExpired {
                flow_id: flow.id.clone(),
                qr_code_id: flow.qr_code_id.clone(),
                deadline,
                user_data: flow.user_data.clone(),
            };
            self.events.record(now, event);
        }
        self.open
            .first()
            .is_some_and(|&(deadline, _)| deadline < now)
    }
}

/// QR codes and contracts past their retention, taken out of the state:
/// dropped by the caller after it releases the lock.
#[derive(Default)]
pub(crate) struct Forgotten {
    qr_codes: Vec<QrCode>,
    flows: Vec<Flow>,
}

impl Forgotten {
    /// How many codes and contracts.
    pub(crate) fn len(&self) -> usize {
        self.qr_codes.len() + self.flows.len()
    }
}

/// The most files the emulator keeps at once (uploaded with `UploadFiles`
/// and not expired yet); an upload that would go beyond it is refused with
/// `LimitExceeded`.
pub const MAX_STORED_FILES: usize = 500;

/// The most bytes of file contents the emulator keeps at once (64 MiB);
/// an upload that would go beyond it is refused with `LimitExceeded`.
pub const MAX_STORED_FILE_BYTES: usize = 64 * 1024 * 1024;

/// A file uploaded with `UploadFiles`, as the emulator keeps it.
pub(crate) struct StoredFile {
    pub id: String,
    pub name: Option<String>,
    /// `pdf`, `docx`, `png`, ...
    pub file_type: &'static str,
    pub business_type: String,
    pub operator_id: String,
    pub uploaded_at: u64,
    /// When the file id stops working, in Unix seconds.
    pub deadline: u64,
    /// The `Host` it was uploaded to (without port, lower case).
    pub host: Option<String>,
    pub content: Vec<u8>,
}

/// A file uploaded with `UploadFiles`, as
/// [`Emulator::uploaded_file`](crate::Emulator::uploaded_file) shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct UploadedFileInfo {
    /// The file's id (32 characters), as `FileIds` returned it.
    pub file_id: String,
    /// The `FileName` it was uploaded with, if any.
    pub file_name: Option<String>,
    /// Its type, lower case: `pdf`, `doc`, `docx`, `xls`, `xlsx`, `html`,
    /// `jpg`, `jpeg`, `png` or `zip`.
    pub file_type: String,
    /// The `BusinessType` it was uploaded for.
    pub business_type: String,
    /// The employee who uploaded it.
    pub operator_id: String,
    /// Its size in bytes, once decoded.
    pub size: u64,
    /// When it was uploaded, in Unix seconds.
    pub uploaded_at: u64,
    /// When its id stops working, in Unix seconds.
    pub deadline: u64,
    /// The host name the upload was sent to (its `Host` header, without
    /// the port, in lower case): `file.ess.tencent.cn` or
    /// `file.test.ess.tencent.cn` for a client that uses the service's
    /// hosts, the emulator's address for one given an endpoint.
    pub host: Option<String>,
}

/// The uploaded files, bounded by [`MAX_STORED_FILES`] and
/// [`MAX_STORED_FILE_BYTES`]. A file is gone once its deadline is reached.
#[derive(Default)]
pub(crate) struct FileStore {
    files: HashMap<String, StoredFile>,
    /// Ids in upload order.
    order: Vec<String>,
    bytes: usize,
}

impl FileStore {
    /// Forgets the files whose deadline is reached.
    pub(crate) fn purge_expired(&mut self, now: u64) {
        let files = &mut self.files;
        let bytes = &mut self.bytes;
        self.order.retain(|id| match files.get(id) {
            Some(f) if f.deadline > now => true,
            Some(_) => {
                if let Some(f) = files.remove(id) {
                    *bytes = bytes.saturating_sub(f.content.len());
                }
                false
            }
            None => false,
        });
    }

    /// Whether an id is taken (expired or not).
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.files.contains_key(id)
    }

    /// A file that has not expired.
    pub(crate) fn get(&self, id: &str, now: u64) -> Option<&StoredFile> {
        self.files.get(id).filter(|f| f.deadline > now)
    }

    /// How many files are kept, and their bytes.
    pub(crate) fn usage(&self) -> (usize, usize) {
        (self.files.len(), self.bytes)
    }

    /// Whether `files` more files of `bytes` bytes in all stay within
    /// [`MAX_STORED_FILES`] and [`MAX_STORED_FILE_BYTES`].
    pub(crate) fn has_room(&self, files: usize, bytes: usize) -> bool {
        self.files.len().saturating_add(files) <= MAX_STORED_FILES
            && self.bytes.saturating_add(bytes) <= MAX_STORED_FILE_BYTES
    }

    /// Keeps a file; the caller checked the limits with [`Self::has_room`].
    pub(crate) fn insert(&mut self, file: StoredFile) {
        self.bytes = self.bytes.saturating_add(file.content.len());
        let id = file.id.clone();
        match self.files.insert(id.clone(), file) {
            Some(old) => self.bytes = self.bytes.saturating_sub(old.content.len()),
            None => self.order.push(id),
        }
    }

    pub(crate) fn info(file: &StoredFile) -> UploadedFileInfo {
        UploadedFileInfo {
            file_id: file.id.clone(),
            file_name: file.name.clone(),
            file_type: file.file_type.to_owned(),
            business_type: file.business_type.clone(),
            operator_id: file.operator_id.clone(),
            size: file.content.len() as u64,
            uploaded_at: file.uploaded_at,
            deadline: file.deadline,
            host: file.host.clone(),
        }
    }

    /// Every file that has not expired, oldest first.
    pub(crate) fn infos(&self, now: u64) -> Vec<UploadedFileInfo> {
        self.order
            .iter()
            .filter_map(|id| self.get(id, now))
            .map(Self::info)
            .collect()
    }
}

pub(crate) fn flow_not_found(id: &str) -> ApiError {
    ApiError::new(
        codes::RESOURCE_NOT_FOUND_FLOW,
        format!("no contract has the id {id}"),
    )
}

fn too_many_flows(max: usize) -> ApiError {
    ApiError::new(
        codes::LIMIT_EXCEEDED,
        format!("the emulator keeps at most {max} contracts; restart it to start afresh"),
    )
}

/// A contract's status in words, for messages and pages.
pub(crate) fn status_words(status: FlowStatus) -> &'static str {
    match status {
        FlowStatus::Started => "waiting to sign",
        FlowStatus::PartlySigned => "partly signed",
        FlowStatus::Rejected => "refused",
        FlowStatus::Signed => "signed",
        FlowStatus::Expired => "expired",
        FlowStatus::Cancelled => "cancelled",
    }
}

pub(crate) fn qr_not_found(id: &str) -> ApiError {
    ApiError::new(
        codes::RESOURCE_NOT_FOUND_QR_INFO,
        format!("no QR code has the id {id}"),
    )
}

fn qr_invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::OPERATION_DENIED_QR_INVALID, message)
}

pub(crate) fn no_quota() -> ApiError {
    ApiError::new(
        codes::OPERATION_DENIED_NO_QUOTA,
        "the organization has no contract quota left",
    )
}

/// Checks a person's details the way the service does: a name, a mainland
/// mobile number (11 digits starting with 1), and when given an identity
/// document of a known type with a well-formed number. `prefix` is put
/// before member names in messages (`Restrictions.0.`).
pub(crate) fn check_person(
    prefix: &str,
    name: Option<&str>,
    mobile: Option<&str>,
    id_card_type: Option<&str>,
    id_card_number: Option<&str>,
) -> Result<(), ApiError> {
    match name.map(str::trim) {
        None | Some("") => {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_NAME,
                format!("{prefix}Name must not be empty"),
            ))
        }
        Some(n) if n.chars().count() > 50 => {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_NAME,
                format!("{prefix}Name must be at most 50 characters"),
            ))
        }
        Some(_) => {}
    }
    let mobile_ok = mobile.is_some_and(|m| {
        m.len() == 11 && m.starts_with('1') && m.bytes().all(|b| b.is_ascii_digit())
    });
    if !mobile_ok {
        return Err(ApiError::new(
            codes::INVALID_PARAMETER_MOBILE,
            format!("{prefix}Mobile must be a mainland mobile number: 11 digits starting with 1"),
        ));
    }
    let card = |message: String| Err(ApiError::new(codes::INVALID_PARAMETER_CARD_NUMBER, message));
    match (id_card_type, id_card_number) {
        (None, None) => Ok(()),
        (Some("ID_CARD") | None, Some(number)) => {
            if is_resident_id(number) {
                Ok(())
            } else {
                card(format!(
                    "{prefix}IdCardNumber is not a valid 18-character resident identity card number"
                ))
            }
        }
        (Some("ID_CARD"), None) => card(format!(
            "{prefix}IdCardNumber is required when IdCardType is given"
        )),
        (Some(other), _) => card(format!(
            "{prefix}IdCardType {other:?} is not supported (expected ID_CARD)"
        )),
    }
}

/// An 18-character mainland resident identity card number with a correct
/// check character (ISO 7064 MOD 11-2); `x` is accepted for `X`.
pub(crate) fn is_resident_id(number: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = number.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

#[cfg(test)]
impl QrCode {
    /// An active code of `template_id` allowing 10 contracts of 7 days.
    pub(crate) fn for_tests(template_id: &str, user_data: Option<&str>) -> Self {
        QrCode::new(QrFixed {
            id: crate::ids::resource_id(),
            template_id: template_id.to_owned(),
            operator_id: crate::world::defaults::OPERATOR_ID.to_owned(),
            flow_name: "员工入职合同".to_owned(),
            qr_code_name: "员工入职合同".to_owned(),
            max_flow_num: 10,
            flow_effective_day: 7,
            flow_display_type: 0,
            restrictions: Vec::new(),
            forbid_personal_multiple_sign: false,
            append_scanner_info: false,
            user_data: user_data.map(str::to_owned),
            created_at: 0,
            expired_time: u64::MAX,
            sign_url: String::new(),
            qr_code_url: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_recorded_once_per_unsigned_contract() {
        let world = World::default();
        let mut state = State::new(&world);
        let code = QrCode::for_tests(crate::world::defaults::PERSON_TEMPLATE_ID, None);
        let id = code.id.clone();
        state.add_qr_code(code);
        let scan = |state: &mut State, mobile: &str, now| {
            state
                .scan(
                    &world,
                    &ScanRequest::new(&id, "张三", mobile),
                    now,
                    crate::ids::resource_id,
                )
                .unwrap()
                .flow_id
        };
        let a = scan(&mut state, "13800000001", 0);
        let b = scan(&mut state, "13800000002", DAY);
        let c = scan(&mut state, "13800000003", 2 * DAY);
        state.sign(&b, None, DAY + 1).unwrap();
        let expired = |state: &State| -> Vec<String> {
            state
                .events
                .since(0)
                .into_iter()
                .filter_map(|e| match e.kind {
                    EventKind::FlowExpired { flow_id, .. } => Some(flow_id),
                    _ => None,
                })
                .collect()
        };
        assert!(
            !state.expire_due(7 * DAY, 10),
            "a deadline is not passed at its second"
        );
        assert!(expired(&state).is_empty());
        // b is signed; a and c pass their deadlines, one at a time.
        assert!(state.expire_due(10 * DAY, 1));
        assert_eq!(expired(&state), [a.as_str()]);
        assert!(!state.expire_due(10 * DAY, 10));
        assert_eq!(expired(&state), [a.clone(), c.clone()]);
        assert!(!state.expire_due(20 * DAY, 10));
        assert_eq!(expired(&state).len(), 2, "recorded once");
        assert_eq!(
            state.flow(&c, 20 * DAY).unwrap().status,
            FlowStatus::Expired
        );
    }

    #[test]
    fn a_state_copy_encodes_as_its_snapshot() {
        let world = World::default();
        let mut state = State::new(&world);
        let code = QrCode::for_tests(crate::world::defaults::PERSON_TEMPLATE_ID, Some("dQ=="));
        let id = code.id.clone();
        state.add_qr_code(code);
        state.add_qr_code(QrCode::for_tests(
            crate::world::defaults::B2C_TEMPLATE_ID,
            None,
        ));
        state.cancel(&id, 3).unwrap();
        state
            .scan(
                &world,
                &ScanRequest::new(&id, "张三", "13800009527"),
                1,
                crate::ids::resource_id,
            )
            .unwrap_err();
        let copy = state.copy_page(&world, 5, 0, usize::MAX);
        let streamed = serde_json::to_value(&copy).unwrap();
        assert_eq!(
            streamed,
            serde_json::to_value(copy.into_snapshot()).unwrap()
        );
        assert_eq!(streamed["QrCodes"][0]["Status"], "Cancelled");
        assert_eq!(streamed["TotalQrCodes"], 2);
    }

    #[test]
    fn a_scan_without_quota_is_recorded() {
        let world = World::default();
        let mut state = State::new(&world);
        state.quota_remaining = 0;
        let code = QrCode::for_tests(crate::world::defaults::PERSON_TEMPLATE_ID, Some("dQ=="));
        let id = code.id.clone();
        state.add_qr_code(code);
        let e = state
            .scan(
                &world,
                &ScanRequest::new(&id, "张三", "13800009527"),
                5,
                crate::ids::resource_id,
            )
            .unwrap_err();
        assert_eq!(e.code(), codes::OPERATION_DENIED_NO_QUOTA);
        let last = state.events.since(1);
        assert_eq!(last.len(), 1);
        assert!(matches!(
            &last[0].kind,
            EventKind::ScanRefusedNoQuota { qr_code_id, user_data, .. }
                if *qr_code_id == id && user_data.as_deref() == Some("dQ==")
        ));
    }

    fn stored(id: &str, deadline: u64, size: usize) -> StoredFile {
        StoredFile {
            id: id.to_owned(),
            name: None,
            file_type: "pdf",
            business_type: "DOCUMENT".to_owned(),
            operator_id: crate::world::defaults::OPERATOR_ID.to_owned(),
            uploaded_at: 0,
            deadline,
            host: None,
            content: vec![b'%'; size],
        }
    }

    #[test]
    fn the_file_store_is_bounded_and_forgets_expired_files() {
        let mut store = FileStore::default();
        store.insert(stored("a", 10, 3));
        store.insert(stored("b", 20, 4));
        assert_eq!(store.usage(), (2, 7));
        assert!(store.get("a", 9).is_some());
        assert!(store.get("a", 10).is_none(), "gone at its deadline");
        let ids = |store: &FileStore, now| -> Vec<String> {
            store.infos(now).into_iter().map(|f| f.file_id).collect()
        };
        assert_eq!(ids(&store, 0), ["a", "b"]);
        assert_eq!(ids(&store, 10), ["b"]);
        store.purge_expired(10);
        assert_eq!(store.usage(), (1, 4));
        assert!(!store.contains("a"));
        store.purge_expired(20);
        assert_eq!(store.usage(), (0, 0));

        assert!(store.has_room(MAX_STORED_FILES, MAX_STORED_FILE_BYTES));
        assert!(!store.has_room(MAX_STORED_FILES + 1, 0));
        assert!(!store.has_room(1, MAX_STORED_FILE_BYTES + 1));
        store.insert(stored("c", 30, 5));
        assert!(store.has_room(1, MAX_STORED_FILE_BYTES - 5));
        assert!(!store.has_room(1, MAX_STORED_FILE_BYTES - 4));
        assert!(!store.has_room(MAX_STORED_FILES, 0));
        // Accounting near the byte limit, without allocating it.
        store.bytes = MAX_STORED_FILE_BYTES - 1;
        assert!(store.has_room(1, 1));
        assert!(!store.has_room(1, 2));
        assert!(!store.has_room(usize::MAX, usize::MAX), "no overflow");
    }

    #[test]
    fn resident_ids() {
        assert!(is_resident_id("11010519491231002X"));
        assert!(is_resident_id("11010519491231002x"));
        assert!(!is_resident_id("110105194912310021"));
        assert!(!is_resident_id("1101051949123100"));
        assert!(!is_resident_id("11010519491231002Ｘ"));
    }

    #[test]
    fn people() {
        let ok = |n, m| check_person("", Some(n), Some(m), None, None);
        assert!(ok("张三", "13800009527").is_ok());
        assert_eq!(
            ok(" ", "13800009527").unwrap_err().code(),
            codes::INVALID_PARAMETER_NAME
        );
        assert_eq!(
            ok("张三", "23800009527").unwrap_err().code(),
            codes::INVALID_PARAMETER_MOBILE
        );
        assert_eq!(
            ok("张三", "1380000952").unwrap_err().code(),
            codes::INVALID_PARAMETER_MOBILE
        );
        let card = |t, n| check_person("R.", Some("a"), Some("13800009527"), t, n);
        assert!(card(Some("ID_CARD"), Some("11010519491231002X")).is_ok());
        assert!(card(None, Some("11010519491231002X")).is_ok());
        let e = card(Some("PASSPORT"), Some("x")).unwrap_err();
        assert_eq!(e.code(), codes::INVALID_PARAMETER_CARD_NUMBER);
        assert!(e.message().starts_with("R.IdCardType"));
        assert!(card(Some("ID_CARD"), None).is_err());
        assert!(card(Some("ID_CARD"), Some("123")).is_err());
    }
}
