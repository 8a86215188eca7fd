//! Verifying a payload against a provider's shared secret, in constant time.

use data_encoding::HEXLOWER;
use ring::hmac;
use subtle::ConstantTimeEq;

use super::secrets::SharedSecret;

/// Whether `signature` (lowercase hex, as GitHub, Gogs, Gitea and Bitbucket
/// Server send it, without any `sha256=` prefix) is the HMAC-SHA256 of
/// `body` under `secret`. The comparison takes the same time wherever the
/// signature differs.
pub(crate) fn hmac_sha256_matches(secret: &SharedSecret, body: &[u8], signature: &str) -> bool {
    let Ok(tag) = HEXLOWER.decode(signature.as_bytes()) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose());
    hmac::verify(&key, body, &tag).is_ok()
}

/// Whether a token sent in a header (GitLab's `X-Gitlab-Token`) equals the
/// secret, compared in constant time.
pub(crate) fn token_matches(secret: &SharedSecret, token: &str) -> bool {
    bool::from(secret.expose().ct_eq(token.as_bytes()))
}

/// The lowercase hex HMAC-SHA256 of `body` under `secret`: what a provider
/// sends, for senders and tests.
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    HEXLOWER.encode(hmac::sign(&key, body).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2.
        let secret = SharedSecret::new("Jefe");
        let body = b"what do ya want for nothing?";
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(hmac_sha256_hex(b"Jefe", body), expected);
        assert!(hmac_sha256_matches(&secret, body, expected));
        assert!(!hmac_sha256_matches(
            &secret,
            b"what do ya want for nothing!",
            expected
        ));
        assert!(!hmac_sha256_matches(
            &secret,
            body,
            &expected.to_uppercase()
        ));
        assert!(!hmac_sha256_matches(&secret, body, "zz"));
        assert!(!hmac_sha256_matches(&secret, body, ""));
    }

    #[test]
    fn tokens_must_be_equal() {
        let secret = SharedSecret::new("t0ken");
        assert!(token_matches(&secret, "t0ken"));
        assert!(!token_matches(&secret, "t0ke"));
        assert!(!token_matches(&secret, "t0ken "));
    }
}
