//! The contract's life: the world's templates, contracts started from
//! uploaded files, looking contracts up, cancelling them, sign links and
//! the contract's PDF.
//!
//! Contracts are the ones a scan started (see `Emulator::scan`) or
//! `CreateFlowByFiles` started; signing and refusing are simulated through
//! the control endpoint, and each change posts its `FlowStatusChange`.

use ess_api::operation::cancel_flow::{CancelFlowInput, CancelFlowOutput};
use ess_api::operation::create_flow_by_files::{CreateFlowByFilesInput, CreateFlowByFilesOutput};
use ess_api::operation::create_flow_sign_url::{CreateFlowSignUrlInput, CreateFlowSignUrlOutput};
use ess_api::operation::describe_file_urls::{DescribeFileUrlsInput, DescribeFileUrlsOutput};
use ess_api::operation::describe_flow_briefs::{DescribeFlowBriefsInput, DescribeFlowBriefsOutput};
use ess_api::operation::describe_flow_info::{DescribeFlowInfoInput, DescribeFlowInfoOutput};
use ess_api::operation::describe_flow_templates::{
    DescribeFlowTemplatesInput, DescribeFlowTemplatesOutput,
};
use ess_api::service::codes;
use ess_api::types::{
    ApproverItem, FileUrl, FlowApproverDetail, FlowApproverUrlInfo, FlowBrief, FlowDetailInfo,
    Recipient, TemplateInfo, UserInfo,
};
use ess_api::Action;

use super::qr_code::{check_agent, not_in_organization, operator_id};
use super::{documented, missing, Ctx, Emulated};
use crate::error::ApiError;
use crate::ids;
use crate::pdf;
use crate::state::{
    check_person, flow_not_found, Flow, FlowInfo, FlowStatus, Signer, SignerKind, SignerState,
};
use crate::time::DAY;
use crate::world::{SigningOrder, Template, TemplateKind};

/// A contract started from files may be signed for 365 days unless
/// `Deadline` says otherwise.
const DEFAULT_FILES_LIFETIME: u64 = 365 * DAY;
/// The most templates `DescribeFlowTemplates` returns at once.
const MAX_TEMPLATE_PAGE: u64 = 200;
/// File links work for 5 minutes unless `UrlTtl` says otherwise.
const DEFAULT_URL_TTL: u64 = 300;
/// `UrlTtl` is at most a day.
const MAX_URL_TTL: u64 = 86_400;
/// The longest `CancelMessage` the emulator takes.
const MAX_CANCEL_MESSAGE: usize = 200;

/// The operator, who must be an employee of the organization.
fn employee<'a, A: Action>(ctx: &Ctx<'_>, operator: &'a UserInfo) -> Result<&'a str, ApiError> {
    let id = operator_id::<A>(operator)?;
    if !ctx.world.is_operator(id) {
        return Err(not_in_organization::<A>(id));
    }
    Ok(id)
}

fn seconds(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------
// DescribeFlowTemplates

/// A template's participants, as `DescribeFlowTemplates` lists them: the
/// organization (unless the template is person-only) and the person, in
/// signing order. Their ids are derived from the template's, so they are
/// the same on every call.
fn recipients(template: &Template) -> Vec<Recipient> {
    let id = |suffix: &str| format!("{}{suffix}", &template.id[..template.id.len() - 8]);
    let company_first = template.signing_order == SigningOrder::CompanyFirst;
    let mut person = Recipient::default();
    person.recipient_id = Some(id("Person01"));
    person.recipient_type = Some("INDIVIDUAL".to_owned());
    person.role_name = Some("个人签署方".to_owned());
    person.require_sign = Some(true);
    let mut out = Vec::with_capacity(2);
    if template.kind == TemplateKind::CompanyAndPerson {
        let mut company = Recipient::default();
        company.recipient_id = Some(id("Company1"));
        company.recipient_type = Some("ENTERPRISE".to_owned());
        company.role_name = Some("企业签署方".to_owned());
        company.require_sign = Some(true);
        company.routing_order = Some(if company_first { 1 } else { 2 });
        person.routing_order = Some(if company_first { 2 } else { 1 });
        out.push(company);
    } else {
        person.routing_order = Some(1);
    }
    out.push(person);
    out.sort_by_key(|r| r.routing_order);
    out
}

impl Emulated for DescribeFlowTemplatesInput {
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<DescribeFlowTemplatesOutput, ApiError> {
        let operator = employee::<Self>(ctx, &self.operator)?.to_owned();
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        let content_type = self.content_type.unwrap_or(Self::DEFAULT_CONTENT_TYPE);
        if !matches!(content_type, 0 | 1) {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_CONTENT_TYPE,
                format!("ContentType must be 0 or 1, not {content_type}"),
            ));
        }
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_TEMPLATE_PAGE {
            return Err(ApiError::invalid(format!(
                "Limit must be from 1 to {MAX_TEMPLATE_PAGE}, not {limit}"
            )));
        }
        let mut templates: Vec<&Template> = ctx.world.templates.iter().collect();
        for (i, filter) in self.filters.iter().flatten().enumerate() {
            let values = &filter.values;
            match filter.key.as_str() {
                "template-id" => templates.retain(|t| values.contains(&t.id)),
                "template-name" => {
                    templates.retain(|t| values.iter().any(|v| t.name.contains(v.as_str())))
                }
                // The emulated organization has no shared templates and no
                // contract types.
                "share-template-id" | "user-flow-type-id" => templates.clear(),
                other => {
                    return Err(ApiError::invalid(format!(
                        "Filters.{i}.Key must be template-id, template-name, share-template-id \
                         or user-flow-type-id, not {other:?}"
                    )))
                }
            }
        }
        let total = templates.len();
        let offset = usize::try_from(self.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut out = DescribeFlowTemplatesOutput::default();
        out.total_count = i64::try_from(total).unwrap_or(i64::MAX);
        out.templates = templates
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|t| {
                let mut info = TemplateInfo::default();
                info.template_id = Some(t.id.clone());
                info.template_name = Some(t.name.clone());
                info.organization_id = Some(ctx.world.organization.id.clone());
                info.creator_id = Some(operator.clone());
                info.available = Some(1);
                info.published = Some(true);
                info.template_type = Some(3);
                if content_type == 0 {
                    let recipients = recipients(t);
                    info.sign_order = (t.signing_order != SigningOrder::Unordered)
                        .then(|| recipients.iter().filter_map(|r| r.routing_order).collect());
                    info.recipients = Some(recipients);
                }
                info
            })
            .collect();
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// CreateFlowByFiles

impl Emulated for CreateFlowByFilesInput {
    #[allow(deprecated)]
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<CreateFlowByFilesOutput, ApiError> {
        let operator = employee::<Self>(ctx, &self.operator)?.to_owned();
        check_agent(
            ctx.world,
            self.agent.as_ref(),
            codes::RESOURCE_NOT_FOUND_ORGANIZATION,
        )?;
        if self.flow_name.trim().is_empty() {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_FLOW_NAME,
                "FlowName must not be empty",
            ));
        }
        let file_id = match self.file_ids.as_slice() {
            [] => return Err(missing::<Self>("FileIds")),
            [one] => one,
            more => {
                return Err(ApiError::invalid(format!(
                    "FileIds lists {} files; a contract is made of one file",
                    more.len()
                )))
            }
        };
        let now = ctx.now;
        let file = ctx.state.files.get(file_id, now).ok_or_else(|| {
            ApiError::new(
                codes::RESOURCE_NOT_FOUND_NOT_EXIST_RESOURCE,
                format!("no uploaded file has the id {file_id} (or its deadline has passed)"),
            )
        })?;
        if file.file_type != "pdf" || file.business_type != "DOCUMENT" {
            return Err(ApiError::new(
                codes::OPERATION_DENIED_FILE_NO_MATCH_RESOURCE,
                format!(
                    "the file {file_id} is a {} uploaded for {}; a contract needs a pdf uploaded for DOCUMENT",
                    file.file_type, file.business_type
                ),
            ));
        }

        let approvers = self.approvers.as_deref().unwrap_or_default();
        if approvers.is_empty() {
            return Err(ApiError::new(
                codes::MISSING_PARAMETER_FLOW_APPROVER,
                "Approvers must list at least one signer",
            ));
        }
        let mut signers: Vec<Signer> = Vec::with_capacity(approvers.len());
        for (i, a) in approvers.iter().enumerate() {
            let prefix = format!("Approvers.{i}.");
            let (kind, auto) = match a.approver_type {
                0 => (SignerKind::Organization, false),
                1 => (SignerKind::Person, false),
                3 => (SignerKind::Organization, true),
                other => {
                    return Err(ApiError::new(
                        codes::INVALID_PARAMETER_APPROVER_TYPE,
                        format!(
                            "{prefix}ApproverType {other} is not emulated (0 organization, \
                             1 person, 3 organization signing automatically)"
                        ),
                    ))
                }
            };
            let name = a.approver_name.as_deref().map(str::trim).unwrap_or("");
            let mobile = a.approver_mobile.as_deref().unwrap_or("");
            let organization_name = match kind {
                SignerKind::Organization => match a.organization_name.as_deref().map(str::trim) {
                    Some(n) if !n.is_empty() => Some(n.to_owned()),
                    _ => {
                        return Err(ApiError::new(
                            codes::MISSING_PARAMETER_APPROVER_ORGANIZATION_INFO,
                            format!("{prefix}OrganizationName is required for an organization"),
                        ))
                    }
                },
                SignerKind::Person => None,
            };
            if auto && organization_name.as_deref() != Some(ctx.world.organization.name.as_str()) {
                return Err(ApiError::new(
                    codes::OPERATION_DENIED_NO_OPEN_SERVER_SIGN,
                    format!(
                        "{prefix}: only the organization itself ({}) can sign automatically",
                        ctx.world.organization.name
                    ),
                ));
            }
            if !auto {
                if name.is_empty() {
                    return Err(ApiError::new(
                        codes::MISSING_PARAMETER_APPROVER_NAME,
                        format!("{prefix}ApproverName is required"),
                    ));
                }
                if mobile.is_empty() {
                    return Err(ApiError::new(
                        codes::MISSING_PARAMETER_APPROVER_MOBILE,
                        format!("{prefix}ApproverMobile is required"),
                    ));
                }
                check_person(
                    &prefix,
                    Some(name),
                    Some(mobile),
                    a.approver_id_card_type.as_deref(),
                    a.approver_id_card_number.as_deref(),
                )?;
            }
            if signers.iter().any(|s| {
                s.kind == kind
                    && s.name == name
                    && s.mobile == mobile
                    && s.organization_name == organization_name
            }) {
                return Err(ApiError::new(
                    codes::OPERATION_DENIED_APPROVER_REPEAT,
                    format!("{prefix} is listed twice"),
                ));
            }
            signers.push(Signer {
                recipient_id: ids::resource_id(),
                kind,
                name: name.to_owned(),
                mobile: mobile.to_owned(),
                organization_name,
                state: if auto {
                    SignerState::Signed(now)
                } else {
                    SignerState::Waiting
                },
            });
        }
        if signers.iter().all(|s| s.state != SignerState::Waiting) {
            return Err(ApiError::new(
                codes::MISSING_PARAMETER_FLOW_APPROVER,
                "Approvers must list at least one signer who does not sign automatically",
            ));
        }

        let deadline = match self.deadline {
            None => now.saturating_add(DEFAULT_FILES_LIFETIME),
            Some(at) => match u64::try_from(at) {
                Ok(at) if at > now => at,
                _ => {
                    return Err(ApiError::new(
                        codes::INVALID_PARAMETER_FLOW_DEAD_LINE,
                        format!("Deadline ({at}) must be in the future (now is {now})"),
                    ))
                }
            },
        };

        if self.need_preview.unwrap_or(Self::DEFAULT_NEED_PREVIEW) {
            // Nothing is started: a link to the file, for 300 seconds.
            let mut out = CreateFlowByFilesOutput::default();
            out.preview_url = format!(
                "{}/files/uploads/{file_id}?expires={}",
                ctx.base_url,
                now.saturating_add(DEFAULT_URL_TTL)
            );
            return Ok(out);
        }

        let mut id = ids::resource_id();
        while ctx.state.has_flow(&id) {
            id = ids::resource_id();
        }
        let flow = Flow {
            id: id.clone(),
            document_id: ids::resource_id(),
            name: self.flow_name.trim().to_owned(),
            qr_code_id: None,
            file_ids: self.file_ids.clone(),
            template_id: None,
            description: self.flow_description.unwrap_or_default(),
            flow_type: self.flow_type.unwrap_or_default(),
            creator: operator,
            unordered: self.unordered.unwrap_or(Self::DEFAULT_UNORDERED),
            user_data: self.user_data,
            approvers: signers,
            created_at: now,
            deadline,
            ending: None,
        };
        let info = ctx.state.create_from_files(ctx.world, flow, now)?;
        let mut out = CreateFlowByFilesOutput::default();
        out.flow_id = info.flow_id;
        out.approvers = Some(
            info.signers
                .into_iter()
                .map(|s| {
                    let mut item = ApproverItem::default();
                    item.recipient_id = Some(s.recipient_id);
                    item
                })
                .collect(),
        );
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// DescribeFlowBriefs and DescribeFlowInfo

impl Emulated for DescribeFlowBriefsInput {
    #[allow(deprecated)]
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<DescribeFlowBriefsOutput, ApiError> {
        employee::<Self>(ctx, &self.operator)?;
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        let mut out = DescribeFlowBriefsOutput::default();
        // Unknown ids are skipped, as the service documents.
        out.flow_briefs = self
            .flow_ids
            .iter()
            .filter_map(|id| ctx.state.flow_record(id))
            .map(|flow| {
                let mut brief = FlowBrief::default();
                brief.flow_id = flow.id.clone();
                brief.flow_name = flow.name.clone();
                brief.flow_description = flow.description.clone();
                brief.flow_type = flow.flow_type.clone();
                brief.flow_status = flow.status(ctx.now).code();
                brief.created_on = seconds(flow.created_at);
                brief.flow_message = flow.message().to_owned();
                brief.creator = flow.creator.clone();
                brief.deadline = seconds(flow.deadline);
                brief.template_id = flow.template_id.clone();
                brief
            })
            .collect();
        Ok(out)
    }
}

impl Emulated for DescribeFlowInfoInput {
    #[allow(deprecated)]
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<DescribeFlowInfoOutput, ApiError> {
        let operator = self
            .operator
            .as_ref()
            .ok_or_else(|| missing::<Self>("Operator"))?;
        employee::<Self>(ctx, operator)?;
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        if let Some(group) = self.flow_group_id.as_deref().filter(|g| !g.is_empty()) {
            return Err(ApiError::new(
                codes::RESOURCE_NOT_FOUND_RESOURCE,
                format!(
                    "no contract group has the id {group}: the emulator has no contract groups"
                ),
            ));
        }
        let ids = match self.flow_ids.as_deref() {
            None | Some([]) => return Err(missing::<Self>("FlowIds")),
            Some(ids) => ids,
        };
        let now = ctx.now;
        let mut out = DescribeFlowInfoOutput::default();
        // Unknown ids are skipped, as DescribeFlowBriefs documents.
        out.flow_detail_infos = ids
            .iter()
            .filter_map(|id| ctx.state.flow_record(id))
            .map(|flow| {
                let mut detail = FlowDetailInfo::default();
                detail.flow_id = flow.id.clone();
                detail.flow_name = flow.name.clone();
                detail.flow_type = flow.flow_type.clone();
                detail.flow_status = flow.status(now).code();
                detail.flow_message = flow.message().to_owned();
                detail.flow_description = flow.description.clone();
                detail.created_on = seconds(flow.created_at);
                detail.creator = flow.creator.clone();
                detail.template_id = flow.template_id.clone();
                detail.flow_approver_infos = flow
                    .approvers
                    .iter()
                    .enumerate()
                    .map(|(order, signer)| approver_detail(ctx, flow, signer, order, now))
                    .collect();
                detail
            })
            .collect();
        Ok(out)
    }
}

#[allow(deprecated)]
fn approver_detail(
    ctx: &Ctx<'_>,
    flow: &Flow,
    signer: &Signer,
    order: usize,
    now: u64,
) -> FlowApproverDetail {
    let mut d = FlowApproverDetail::default();
    d.approve_name = signer.name.clone();
    d.approve_status = flow.approve_status(signer, now);
    d.mobile = signer.mobile.clone();
    d.sign_order = i64::try_from(order).unwrap_or(i64::MAX);
    d.recipient_id = signer.recipient_id.clone();
    d.receipt_id = signer.recipient_id.clone();
    match &signer.state {
        SignerState::Signed(at) => d.approve_time = seconds(*at),
        SignerState::Refused(at, reason) => {
            d.approve_time = seconds(*at);
            d.approve_message = reason.clone();
        }
        SignerState::Waiting => {}
    }
    match signer.kind {
        SignerKind::Person => d.approve_type = "PERSON".to_owned(),
        SignerKind::Organization => {
            d.approve_type = "ORGANIZATION".to_owned();
            d.organization_name = signer.organization_name.clone().unwrap_or_default();
            if signer.organization_name.as_deref() == Some(ctx.world.organization.name.as_str()) {
                d.organization_id = ctx.world.organization.id.clone();
            }
        }
    }
    d
}

// ---------------------------------------------------------------------------
// CancelFlow

impl Emulated for CancelFlowInput {
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<CancelFlowOutput, ApiError> {
        employee::<Self>(ctx, &self.operator)?;
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        let reason = self.cancel_message.trim();
        if reason.is_empty() {
            return Err(ApiError::new(
                codes::MISSING_PARAMETER_CANCEL_REASON,
                "CancelMessage must not be empty",
            ));
        }
        if reason.chars().count() > MAX_CANCEL_MESSAGE {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_CANCEL_REASON,
                format!("CancelMessage must be at most {MAX_CANCEL_MESSAGE} characters"),
            ));
        }
        if let Some(c) = reason.chars().find(|c| is_emoji(*c)) {
            return Err(ApiError::new(
                codes::INVALID_PARAMETER_CANCEL_REASON,
                format!("CancelMessage must not contain emoji ({c:?})"),
            ));
        }
        ctx.state.cancel_flow(&self.flow_id, reason, ctx.now)?;
        Ok(CancelFlowOutput::default())
    }
}

/// Pictographs and the other symbol blocks emoji come from.
fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

// ---------------------------------------------------------------------------
// CreateFlowSignUrl

impl Emulated for CreateFlowSignUrlInput {
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<CreateFlowSignUrlOutput, ApiError> {
        if let Some(operator) = self.operator.as_ref().filter(|o| o.user_id.is_some()) {
            employee::<Self>(ctx, operator)?;
        }
        check_agent(
            ctx.world,
            self.agent.as_ref(),
            codes::OPERATION_DENIED_FORBID,
        )?;
        let now = ctx.now;
        let flow = ctx
            .state
            .flow_record(&self.flow_id)
            .ok_or_else(|| flow_not_found(&self.flow_id))?;
        let status = flow.status(now);
        if status.is_final() {
            return Err(ApiError::new(
                codes::FAILED_OPERATION,
                format!(
                    "the contract is over ({}): it has no sign links",
                    crate::state::status_words(status)
                ),
            ));
        }
        let link = |recipient: Option<&str>| match recipient {
            Some(r) => format!("{}/flows/{}?recipient={r}", ctx.base_url, flow.id),
            None => format!("{}/flows/{}", ctx.base_url, flow.id),
        };
        let mut out = CreateFlowSignUrlOutput::default();
        let wanted = self.flow_approver_infos.as_deref().unwrap_or_default();
        if wanted.is_empty() {
            // The initiator's preview.
            let mut info = FlowApproverUrlInfo::default();
            info.sign_url = link(None);
            info.long_url = info.sign_url.clone();
            out.flow_approver_url_infos.push(info);
            return Ok(out);
        }
        for (i, w) in wanted.iter().enumerate() {
            let found = flow
                .approvers
                .iter()
                .find(|s| match w.recipient_id.as_deref() {
                    Some(r) if !r.is_empty() => s.recipient_id == r,
                    _ => {
                        let kind_matches = match w.approver_type {
                            1 | 7 => s.kind == SignerKind::Person,
                            _ => s.kind == SignerKind::Organization,
                        };
                        kind_matches
                            && w.approver_name.as_deref().map(str::trim) == Some(s.name.as_str())
                            && w.approver_mobile.as_deref() == Some(s.mobile.as_str())
                            && (s.kind == SignerKind::Person
                                || w.organization_name.as_deref().map(str::trim)
                                    == s.organization_name.as_deref())
                    }
                });
            let signer = found.ok_or_else(|| {
                ApiError::new(
                    codes::RESOURCE_NOT_FOUND,
                    format!(
                        "FlowApproverInfos.{i} is not a signer of the contract {}",
                        flow.id
                    ),
                )
            })?;
            if signer.state != SignerState::Waiting {
                return Err(ApiError::new(
                    codes::FAILED_OPERATION,
                    format!("FlowApproverInfos.{i} has already acted on the contract"),
                ));
            }
            let mut info = FlowApproverUrlInfo::default();
            info.sign_url = link(Some(&signer.recipient_id));
            info.long_url = info.sign_url.clone();
            info.approver_type = match signer.kind {
                SignerKind::Person => 1,
                SignerKind::Organization => 0,
            };
            info.approver_name = signer.name.clone();
            info.approver_mobile = signer.mobile.clone();
            out.flow_approver_url_infos.push(info);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// DescribeFileUrls

impl Emulated for DescribeFileUrlsInput {
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<DescribeFileUrlsOutput, ApiError> {
        employee::<Self>(ctx, &self.operator)?;
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        match self.business_type.as_str() {
            "FLOW" => {}
            "TEMPLATE" | "DOCUMENT" | "SEAL" | "DIGITFILE" | "ARCHIVE" => {
                return Err(ApiError::new(
                    codes::INVALID_PARAMETER_BUSINESS_TYPE,
                    format!(
                        "BusinessType {} is not emulated: the emulator serves contracts (FLOW)",
                        self.business_type
                    ),
                ))
            }
            other => {
                return Err(ApiError::new(
                    codes::INVALID_PARAMETER_BUSINESS_TYPE,
                    format!(
                        "BusinessType must be FLOW, TEMPLATE, DOCUMENT, SEAL, DIGITFILE or ARCHIVE, not {other:?}"
                    ),
                ))
            }
        }
        match self.file_type.as_deref() {
            None | Some("") | Some("PDF") => {}
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "FileType {other:?} is not emulated: the emulator serves PDF"
                )))
            }
        }
        let ttl = match self.url_ttl {
            None | Some(0) => DEFAULT_URL_TTL,
            Some(t) => match u64::try_from(t) {
                Ok(t) if t <= MAX_URL_TTL => t,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "UrlTtl must be from 0 to {MAX_URL_TTL} seconds, not {t}"
                    )))
                }
            },
        };
        if self.business_ids.is_empty() {
            return Err(missing::<Self>("BusinessIds"));
        }
        for (i, id) in self.business_ids.iter().enumerate() {
            if ctx.state.flow_record(id).is_none() {
                return Err(ApiError::new(
                    documented::<Self>(codes::INVALID_PARAMETER_BUSINESS_ID)
                        .unwrap_or(codes::INVALID_PARAMETER),
                    format!("BusinessIds.{i}: no contract has the id {id}"),
                ));
            }
        }
        let offset = self.offset.unwrap_or(0);
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        if offset < 0 || limit < 1 {
            return Err(ApiError::invalid(format!(
                "Offset must be at least 0 and Limit at least 1 (found {offset} and {limit})"
            )));
        }
        let expires = ctx.now.saturating_add(ttl);
        let option = format!(
            "{{\"width\":{},\"height\":{}}}",
            pdf::PAGE_SIZE.0,
            pdf::PAGE_SIZE.1
        );
        let mut out = DescribeFileUrlsOutput::default();
        out.total_count = i64::try_from(self.business_ids.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(offset.saturating_mul(limit)).unwrap_or(usize::MAX);
        out.file_urls = self
            .business_ids
            .iter()
            .skip(skip)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|id| {
                let mut file = FileUrl::default();
                file.url = format!("{}/files/flows/{id}.pdf?expires={expires}", ctx.base_url);
                file.option = option.clone();
                file
            })
            .collect();
        Ok(out)
    }
}

/// The PDF of a contract as it stands at `now`.
pub(crate) fn flow_pdf(info: &FlowInfo, organization: &str) -> Vec<u8> {
    let date = |s: u64| crate::time::china_local(s);
    let mut lines = vec![
        format!("Contract {}", info.flow_id),
        format!("Organization: {organization}"),
        format!(
            "Status: {} (FlowStatus {})",
            crate::state::status_words(info.status),
            info.status.code()
        ),
        format!("Started: {}", date(info.created_at)),
        format!("Deadline: {}", date(info.deadline)),
    ];
    if let Some(code) = &info.qr_code_id {
        lines.push(format!("Started by a scan of the QR code {code}"));
    }
    for file in &info.file_ids {
        lines.push(format!("Made of the uploaded file {file}"));
    }
    if !info.message.is_empty() {
        lines.push(format!("Reason: {}", info.message));
    }
    lines.push(String::new());
    lines.push("Signers:".to_owned());
    for (i, s) in info.signers.iter().enumerate() {
        let who = match &s.organization_name {
            Some(org) => format!("{} for {org}", s.name),
            None => s.name.clone(),
        };
        let state = match (s.approve_status, s.approved_at) {
            (3, Some(at)) => format!("signed on {}", date(at)),
            (4, Some(at)) => format!("refused on {}", date(at)),
            (5, _) => "did not sign before the deadline".to_owned(),
            (6, _) => "did not sign: the contract ended".to_owned(),
            _ => "waiting to sign".to_owned(),
        };
        lines.push(format!("{}. {who}: {state}", i + 1));
    }
    if info.status == FlowStatus::Signed {
        lines.push(String::new());
        lines.push("Signed by every signer (simulated by the ESS emulator).".to_owned());
    }
    pdf::document(&info.flow_name, &lines)
}
