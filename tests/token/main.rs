//! The token stage (`src/token/`): JWS verification against public vectors, the table of hostile and
//! broken tokens through the Rust API, and claim mapping golden files.

#[path = "../common/mod.rs"]
mod common;

mod jose;
mod mapping;
mod tokens;

/// The JOSE and token cases, each a test here; tests/host_crypto.rs runs the same cases again with
/// signatures checked by an installed host.
macro_rules! cases {
    ($($module:ident::$name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            $module::$name()
        }
    )*};
}

cases!(
    jose::wycheproof_vectors_agree,
    jose::rfc7515_appendix_a,
    jose::rfc7520_cookbook,
    tokens::minted_tokens_of_every_algorithm_decide,
    tokens::the_six_routes_for_each_group_with_id_and_access_tokens,
    tokens::hostile_and_broken_tokens_are_denied_with_their_code,
    tokens::keys_missing_for_an_issuer_name_the_issuer,
    tokens::verified_tokens_are_cached_until_exp_and_dropped_with_their_keys,
    tokens::batch_with_token_verifies_once_and_answers_each_request,
    tokens::access_token_claims_fill_context_token,
    tokens::openid_connect_sources_check_audiences_and_token_selection,
    tokens::bearer_tokens_pick_their_own_kind_and_pass_that_kinds_checks,
);
