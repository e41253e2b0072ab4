//! Reading the account answers: quota units, a key's log entries and the price list.
//!
//! The gateway counts money in quota units, 500 000 to the US dollar unless the operator changed the rate
//! (`QuotaPerUnit`), and prices models through ratios. These helpers turn both into what a user asks for: what
//! a key has left, what kind of entry a log line is, what a model costs per million tokens or per call.

use crate::{ModelPricing, TokenLog, TokenUsage};

/// Quota units per US dollar on a gateway that kept the default rate.
///
/// Operators can change it, and a site that displays yuan still counts in these units; divide by it only when
/// you know the site's rate.
pub const DEFAULT_QUOTA_PER_USD: f64 = 500_000.0;

/// US dollars per million input tokens for a model ratio of 1 (0.002 dollars per 1 000 tokens).
const USD_PER_MILLION_AT_RATIO_ONE: f64 = 2.0;

impl TokenUsage {
    /// What the key has left, in quota units; `None` for an unlimited key, whose `total_available` is no limit.
    ///
    /// A key that used up its quota reports 0 or less here; the gateway refuses its next paid request.
    pub fn remaining(&self) -> Option<i64> {
        if self.unlimited_quota == Some(true) {
            None
        } else {
            Some(self.total_available)
        }
    }

    /// Whether the key may call `model`: always when the key has no model whitelist in force.
    pub fn allows_model(&self, model: &str) -> bool {
        self.model_limits_enabled != Some(true) || self.model_limits.get(model).copied().unwrap_or(false)
    }
}

/// What a log entry of a key records (new-api's log types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogKind {
    /// A top-up of the balance (1).
    TopUp,
    /// A billed request (2): `quota` holds what it cost.
    Consume,
    /// An administrator's action on the account (3).
    Manage,
    /// A system event (4).
    System,
    /// A request that failed (5); nothing was charged.
    Error,
    /// A refund, such as a failed job's charge given back (6).
    Refund,
    /// A type this crate does not know (0 is the gateway's "unknown"), kept as sent.
    Other(i64),
}

impl From<i64> for LogKind {
    fn from(value: i64) -> Self {
        match value {
            1 => Self::TopUp,
            2 => Self::Consume,
            3 => Self::Manage,
            4 => Self::System,
            5 => Self::Error,
            6 => Self::Refund,
            other => Self::Other(other),
        }
    }
}

impl From<LogKind> for i64 {
    fn from(kind: LogKind) -> Self {
        match kind {
            LogKind::TopUp => 1,
            LogKind::Consume => 2,
            LogKind::Manage => 3,
            LogKind::System => 4,
            LogKind::Error => 5,
            LogKind::Refund => 6,
            LogKind::Other(value) => value,
        }
    }
}

impl TokenLog {
    /// What the entry records, from its numeric `type`.
    pub fn kind(&self) -> LogKind {
        LogKind::from(self.type_)
    }

    /// The pricing details of `other` (JSON text on the wire) as an object; `Ok(None)` when the entry has none
    /// (absent, empty, or the text `null`).
    ///
    /// # Errors
    /// The text is not a JSON object; the error says where it went wrong and `other` keeps the text.
    pub fn details(&self) -> Result<Option<serde_json::Map<String, serde_json::Value>>, serde_json::Error> {
        match self.other.as_deref().map(str::trim) {
            None | Some("" | "null") => Ok(None),
            Some(text) => serde_json::from_str(text).map(Some),
        }
    }
}

/// What one call of a model costs before the group's ratio, in US dollars, from a [`ModelPricing`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ModelPrice {
    /// Billed per token (`quota_type` 0).
    PerToken {
        /// Dollars per million input tokens.
        input_per_million: f64,
        /// Dollars per million output tokens.
        output_per_million: f64,
        /// Dollars per million cached input tokens, when the model has a cache price.
        cached_input_per_million: Option<f64>,
    },
    /// A fixed price per request (`quota_type` 1), in dollars.
    PerCall(f64),
}

impl ModelPrice {
    /// This price multiplied by a group's ratio (`PricingResponse::group_ratio`), which is what a key of that
    /// group pays.
    #[must_use]
    pub fn times(self, group_ratio: f64) -> Self {
        match self {
            Self::PerToken {
                input_per_million,
                output_per_million,
                cached_input_per_million,
            } => Self::PerToken {
                input_per_million: input_per_million * group_ratio,
                output_per_million: output_per_million * group_ratio,
                cached_input_per_million: cached_input_per_million.map(|price| price * group_ratio),
            },
            Self::PerCall(price) => Self::PerCall(price * group_ratio),
        }
    }
}

impl ModelPricing {
    /// The model's price in US dollars before the group's ratio; `None` when `quota_type` is neither 0 nor 1
    /// (a billing mode this crate does not know, such as a price formula in `billing_expr`).
    pub fn price(&self) -> Option<ModelPrice> {
        if self.billing_mode.as_deref().is_some_and(|mode| !mode.is_empty()) {
            return None;
        }
        match self.quota_type.unwrap_or(0) {
            0 => {
                let input = self.model_ratio.unwrap_or(0.0) * USD_PER_MILLION_AT_RATIO_ONE;
                Some(ModelPrice::PerToken {
                    input_per_million: input,
                    output_per_million: input * self.completion_ratio.unwrap_or(1.0),
                    cached_input_per_million: self.cache_ratio.map(|ratio| input * ratio),
                })
            }
            1 => Some(ModelPrice::PerCall(self.model_price.unwrap_or(0.0))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pricing(json: serde_json::Value) -> ModelPricing {
        serde_json::from_value(json).expect("a ModelPricing")
    }

    #[test]
    fn a_per_token_model_costs_twice_its_ratio_per_million() {
        let model = pricing(serde_json::json!({
            "model_name": "gpt-4o-mini", "quota_type": 0, "model_ratio": 0.075, "completion_ratio": 4,
            "cache_ratio": 0.5
        }));
        let Some(ModelPrice::PerToken {
            input_per_million,
            output_per_million,
            cached_input_per_million,
        }) = model.price()
        else {
            panic!("a per-token price: {:?}", model.price());
        };
        assert!((input_per_million - 0.15).abs() < 1e-12);
        assert!((output_per_million - 0.6).abs() < 1e-12);
        assert!((cached_input_per_million.expect("a cache price") - 0.075).abs() < 1e-12);
    }

    #[test]
    fn a_per_call_model_costs_its_price_times_the_group_ratio() {
        let model = pricing(serde_json::json!({"model_name": "dall-e-3", "quota_type": 1, "model_price": 0.04}));
        assert_eq!(model.price(), Some(ModelPrice::PerCall(0.04)));
        let Some(ModelPrice::PerCall(price)) = model.price().map(|price| price.times(0.5)) else {
            panic!("a per-call price");
        };
        assert!((price - 0.02).abs() < 1e-12);
    }

    #[test]
    fn a_price_formula_or_an_unknown_quota_type_has_no_price() {
        let formula = pricing(serde_json::json!({
            "model_name": "m", "quota_type": 0, "model_ratio": 1, "billing_mode": "tiered_expr",
            "billing_expr": "tier(…)"
        }));
        assert_eq!(formula.price(), None);
        assert_eq!(
            pricing(serde_json::json!({"model_name": "m", "quota_type": 7})).price(),
            None
        );
    }

    #[test]
    fn log_kinds_round_trip_their_numbers_and_keep_unknown_ones() {
        for number in -1..10 {
            assert_eq!(i64::from(LogKind::from(number)), number);
        }
        assert_eq!(LogKind::from(2), LogKind::Consume);
        assert_eq!(LogKind::from(7), LogKind::Other(7));
    }

    #[test]
    fn details_read_the_json_text_and_name_a_bad_one() {
        let mut log = TokenLog::new(1_764_485_203, 2);
        assert_eq!(log.details().expect("no details"), None);
        log.other = Some("null".to_owned());
        assert_eq!(log.details().expect("no details"), None);
        log.other = Some(r#"{"model_ratio":0.075,"frt":812}"#.to_owned());
        let details = log.details().expect("an object").expect("details");
        assert_eq!(details["frt"], 812);
        log.other = Some(r#"{"model_ratio":"#.to_owned());
        let error = log.details().expect_err("cut-off JSON");
        assert_eq!(error.column(), 15, "{error}");
        assert_eq!(log.other.as_deref(), Some(r#"{"model_ratio":"#), "the text is kept");
        assert_eq!(log.kind(), LogKind::Consume);
    }

    #[test]
    fn an_unlimited_key_has_no_remaining_quota_and_a_whitelist_restricts_only_when_enabled() {
        let mut usage = TokenUsage::new(2_500_000, 1_000_000, 1_500_000);
        assert_eq!(usage.remaining(), Some(1_500_000));
        usage.unlimited_quota = Some(true);
        assert_eq!(usage.remaining(), None);
        usage.model_limits.insert("gpt-4o-mini".to_owned(), true);
        assert!(usage.allows_model("gpt-4o"), "limits not enabled");
        usage.model_limits_enabled = Some(true);
        assert!(usage.allows_model("gpt-4o-mini"));
        assert!(!usage.allows_model("gpt-4o"));
    }
}
