//! `CreateMultiFlowSignQRCode` and `CancelMultiFlowSignQRCode`.

use ess_api::service::codes;

use ess_api::operation::cancel_multi_flow_sign_qr_code::{
    CancelMultiFlowSignQrCodeInput, CancelMultiFlowSignQrCodeOutput,
};
use ess_api::operation::create_multi_flow_sign_qr_code::{
    CreateMultiFlowSignQrCodeInput, CreateMultiFlowSignQrCodeOutput,
};
use ess_api::types::{Agent, FlowDisplayType, UserInfo};
use ess_api::Action;

use super::{missing, Ctx, Emulated};
use crate::error::ApiError;
use crate::ids;
use crate::state::{check_person, no_quota, Allowed, QrCode, QrFixed};
use crate::time::{china_local, DAY};
use crate::world::World;

/// The longest a code may stay valid: 365 days.
const MAX_QR_LIFETIME: u64 = 365 * DAY;

impl Emulated for CreateMultiFlowSignQrCodeInput {
    fn violation_code(path: &str) -> Option<&'static str> {
        match path {
            "flow_effective_day" => Some(codes::INVALID_PARAMETER_QR_FLOW_EFFECT_DAY),
            "qr_effective_day" | "qr_code_expired_on" => {
                Some(codes::INVALID_PARAMETER_QR_EFFECT_DAY)
            }
            p if p.ends_with("id_card_number") || p.ends_with("id_card_type") => {
                Some(codes::INVALID_PARAMETER_CARD_NUMBER)
            }
            _ => None,
        }
    }

    // The deprecated members are part of the wire format and still honoured.
    #[allow(deprecated)]
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<CreateMultiFlowSignQrCodeOutput, ApiError> {
        let operator = operator_id::<Self>(&self.operator)?;

        let mut allowed = Vec::new();
        let listed = self.restrictions.iter().flatten().enumerate();
        let people = listed
            .map(|(i, r)| (format!("Restrictions.{i}."), r))
            .chain(
                self.approver_restrictions
                    .iter()
                    .map(|r| ("ApproverRestrictions.".to_owned(), r)),
            );
        for (prefix, r) in people {
            check_person(
                &prefix,
                r.name.as_deref(),
                r.mobile.as_deref(),
                r.id_card_type.as_ref().map(|t| t.as_str()),
                r.id_card_number.as_deref(),
            )?;
            allowed.push(Allowed {
                name: r.name.as_deref().unwrap_or_default().trim().to_owned(),
                mobile: r.mobile.clone().unwrap_or_default(),
                id_card_number: r.id_card_number.as_deref().map(str::to_ascii_uppercase),
            });
        }

        let display = self
            .flow_display_type
            .unwrap_or(Self::DEFAULT_FLOW_DISPLAY_TYPE);
        if let FlowDisplayType::Unknown(v) = display {
            return Err(ApiError::invalid(format!(
                "FlowDisplayType must be one of {:?}, found {v}",
                FlowDisplayType::VALUES
            )));
        }

        let now = ctx.now;
        let expired_time = match (self.qr_code_expired_on, self.qr_effective_day) {
            (Some(at), _) => {
                let at = u64::try_from(at).unwrap_or(0);
                if at <= now {
                    return Err(ApiError::new(
                        codes::INVALID_PARAMETER_QR_EFFECT_DAY,
                        format!("QrCodeExpiredOn ({at}) must be in the future (now is {now})"),
                    ));
                }
                if at - now > MAX_QR_LIFETIME {
                    return Err(ApiError::new(
                        codes::INVALID_PARAMETER_QR_EFFECT_DAY,
                        format!("QrCodeExpiredOn ({at}) must be at most 365 days from now ({now})"),
                    ));
                }
                at
            }
            (None, days) => {
                let days = days.unwrap_or(Self::DEFAULT_QR_EFFECTIVE_DAY);
                now.saturating_add(u64::try_from(days).unwrap_or(1).saturating_mul(DAY))
            }
        };

        if !ctx.world.is_operator(operator) {
            return Err(not_in_organization::<Self>(operator));
        }
        check_agent(
            ctx.world,
            self.agent.as_ref(),
            codes::RESOURCE_NOT_FOUND_ORGANIZATION,
        )?;

        let template = ctx.world.template(&self.template_id).ok_or_else(|| {
            ApiError::new(
                codes::RESOURCE_NOT_FOUND_TEMPLATE,
                format!("no template has the id {}", self.template_id),
            )
        })?;
        if let Some(problem) = template.qr_code_problem() {
            return Err(ApiError::new(problem.code(), problem.to_string()));
        }
        if ctx.state.quota_remaining == 0 {
            return Err(no_quota());
        }

        if ctx.state.qr_code_count() >= ctx.state.max_qr_codes {
            return Err(ApiError::new(
                codes::LIMIT_EXCEEDED,
                format!(
                    "the emulator keeps at most {} QR codes; restart it to start afresh",
                    ctx.state.max_qr_codes
                ),
            ));
        }
        let mut id = ids::resource_id();
        while ctx.state.qr_code(&id).is_some() {
            id = ids::resource_id();
        }
        let sign_url = format!("{}/sign/{id}", ctx.base_url);
        let qr_code_url = format!("{}/qr/{id}.png", ctx.base_url);
        let app_sign_url = format!("pages/guide/index?from=ess-emulator&qrCodeId={id}");
        let positive =
            |v: Option<i64>, default: i64| u64::try_from(v.unwrap_or(default)).unwrap_or(1).max(1);
        ctx.state.add_qr_code(QrCode::new(QrFixed {
            id: id.clone(),
            template_id: template.id.clone(),
            operator_id: operator.to_owned(),
            qr_code_name: self
                .qr_code_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| self.flow_name.clone()),
            flow_name: self.flow_name,
            max_flow_num: positive(self.max_flow_num, Self::DEFAULT_MAX_FLOW_NUM),
            flow_effective_day: positive(self.flow_effective_day, Self::DEFAULT_FLOW_EFFECTIVE_DAY),
            flow_display_type: display.as_i64(),
            restrictions: allowed,
            forbid_personal_multiple_sign: self
                .forbid_personal_multiple_sign
                .unwrap_or(Self::DEFAULT_FORBID_PERSONAL_MULTIPLE_SIGN),
            append_scanner_info: self
                .flow_name_append_scanner_info
                .unwrap_or(Self::DEFAULT_FLOW_NAME_APPEND_SCANNER_INFO),
            user_data: self.user_data,
            created_at: now,
            expired_time,
            sign_url: sign_url.clone(),
            qr_code_url: qr_code_url.clone(),
        }));

        let mut out = CreateMultiFlowSignQrCodeOutput::default();
        out.qr_code.qr_code_id = id;
        out.qr_code.qr_code_url = qr_code_url;
        out.qr_code.expired_time = i64::try_from(expired_time).unwrap_or(i64::MAX);
        out.sign_urls.app_sign_url = app_sign_url;
        out.sign_urls.http_sign_url = sign_url;
        out.sign_urls.effective_time = china_local(expired_time);
        Ok(out)
    }
}

impl Emulated for CancelMultiFlowSignQrCodeInput {
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<CancelMultiFlowSignQrCodeOutput, ApiError> {
        let operator = operator_id::<Self>(&self.operator)?;
        if !ctx.world.is_operator(operator) {
            return Err(not_in_organization::<Self>(operator));
        }
        check_agent(ctx.world, self.agent.as_ref(), codes::OPERATION_DENIED)?;
        ctx.state.cancel(&self.qr_code_id, ctx.now)?;
        Ok(CancelMultiFlowSignQrCodeOutput::default())
    }
}

/// `Operator.UserId`, which every action needs.
pub(super) fn operator_id<A: Action>(operator: &UserInfo) -> Result<&str, ApiError> {
    match operator.user_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id),
        _ => Err(missing::<A>("Operator.UserId")),
    }
}

/// An operator who is not an employee: the action's own code for it when it
/// documents one, `OperationDenied` otherwise.
pub(super) fn not_in_organization<A: Action>(user_id: &str) -> ApiError {
    ApiError::new(
        super::documented::<A>(codes::OPERATION_DENIED_USER_NOT_IN_ORGANIZATION)
            .unwrap_or(codes::OPERATION_DENIED),
        format!("the operator {user_id} is not an employee of the organization"),
    )
}

/// Acting for another organization: only the organization itself exists in
/// the emulated world.
pub(super) fn check_agent(
    world: &World,
    agent: Option<&Agent>,
    code: &'static str,
) -> Result<(), ApiError> {
    match agent.and_then(|a| a.proxy_organization_id.as_deref()) {
        Some(id) if !id.is_empty() && id != world.organization.id => Err(ApiError::new(
            code,
            format!("the organization {id} is not part of the emulated world"),
        )),
        _ => Ok(()),
    }
}
