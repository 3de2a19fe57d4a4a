//! Cedar's one-argument extension constructors (`ip`, `decimal`, `datetime`, `duration`) applied to a string.
//!
//! cedar-policy's `RestrictedExpression::new_ip` and its siblings parse the constructor's name with Cedar's
//! text grammar on every call, and each parse starts a fresh lexer whose automaton is rebuilt from nothing:
//! for a context with a few extension values that was a fifth of a decision. Here each name is parsed once
//! and the same expression is built from it.

use std::sync::LazyLock;

use cedar_policy::RestrictedExpression;
use cedar_policy_core::ast::{Name, RestrictedExpr};
use ref_cast::RefCast;

/// One of Cedar's extension constructors that take a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constructor {
    Ip,
    Decimal,
    Datetime,
    Duration,
}

const ALL: [Constructor; 4] = [Constructor::Ip, Constructor::Decimal, Constructor::Datetime, Constructor::Duration];

/// The constructors' names, parsed once (in [`ALL`]'s order); `None` only if Cedar refused one of its own names,
/// and then cedar-policy's constructors are used as they are.
static NAMES: LazyLock<Option<[Name; 4]>> = LazyLock::new(|| {
    let parsed: Vec<Name> = ALL.iter().filter_map(|c| Name::parse_unqualified_name(c.function()).ok()).collect();
    parsed.try_into().ok()
});

impl Constructor {
    /// The constructor by its function name (`ip`, `decimal`, `datetime`, `duration`).
    pub fn by_function(name: &str) -> Option<Self> {
        ALL.into_iter().find(|c| c.function() == name)
    }

    /// The constructor of an extension type (`ipaddr`, `decimal`, `datetime`, `duration`).
    pub fn for_type(name: &str) -> Option<Self> {
        ALL.into_iter().find(|c| c.type_name() == name)
    }

    pub fn function(self) -> &'static str {
        match self {
            Constructor::Ip => "ip",
            Constructor::Decimal => "decimal",
            Constructor::Datetime => "datetime",
            Constructor::Duration => "duration",
        }
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Constructor::Ip => "ipaddr",
            other => other.function(),
        }
    }

    /// The call of this constructor on `arg`, unevaluated (Cedar checks the argument where it evaluates it).
    pub fn call(self, arg: &str) -> RestrictedExpression {
        match NAMES.as_ref() {
            Some(names) => {
                let call = RestrictedExpr::call_extension_fn(names[self as usize].clone(), [RestrictedExpr::val(arg)]);
                RestrictedExpression::ref_cast(&call).clone()
            }
            None => match self {
                Constructor::Ip => RestrictedExpression::new_ip(arg),
                Constructor::Decimal => RestrictedExpression::new_decimal(arg),
                Constructor::Datetime => RestrictedExpression::new_datetime(arg),
                Constructor::Duration => RestrictedExpression::new_duration(arg),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_cedar_policys_own_constructors() {
        assert!(NAMES.is_some());
        for arg in ["10.0.0.1", "1.5", "2024-10-15", "2024-10-15T11:35:00Z", "1h30m", "", "not a value", "\"q\""] {
            assert_eq!(Constructor::Ip.call(arg), RestrictedExpression::new_ip(arg));
            assert_eq!(Constructor::Decimal.call(arg), RestrictedExpression::new_decimal(arg));
            assert_eq!(Constructor::Datetime.call(arg), RestrictedExpression::new_datetime(arg));
            assert_eq!(Constructor::Duration.call(arg), RestrictedExpression::new_duration(arg));
        }
        assert_ne!(Constructor::Ip.call("1.5"), RestrictedExpression::new_decimal("1.5"));
    }

    #[test]
    fn names_map_both_ways() {
        for c in ALL {
            assert_eq!(Constructor::by_function(c.function()), Some(c));
            assert_eq!(Constructor::for_type(c.type_name()), Some(c));
        }
        assert_eq!(Constructor::for_type("ip"), None);
        assert_eq!(Constructor::by_function("ipaddr"), None);
        assert_eq!(Constructor::by_function("unknown"), None);
    }
}
