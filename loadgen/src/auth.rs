//! How the credentials of `--token` / `--user` are spelled for each face (docs: WS `?token=` or
//! `Authorization`, REST `Authorization: Bearer`/`Basic`, RPC `auth` = Base64 of login:password).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub token: Option<String>,
    /// `login:password`.
    pub user: Option<String>,
}

impl Credentials {
    /// The `Authorization` header for HTTP requests and the WebSocket upgrade of `--user`.
    /// A token goes in the header for REST; WS puts it in the query instead (see `ws_token`).
    pub fn authorization(&self) -> Option<String> {
        match (&self.token, &self.user) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some(user)) => Some(format!("Basic {}", STANDARD.encode(user))),
            (None, None) => None,
        }
    }

    /// RPC's `auth` member.
    pub fn rpc_auth(&self) -> Option<String> {
        self.user.as_ref().map(|u| STANDARD.encode(u))
    }

    /// `token=…` for the WebSocket URL, percent-encoded.
    pub fn ws_token_query(&self) -> Option<String> {
        self.token
            .as_ref()
            .map(|t| format!("token={}", percent_encode(t)))
    }
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_face_gets_its_spelling() {
        let user = Credentials {
            token: None,
            user: Some("kassa:kas123456".into()),
        };
        // The docs' example: kassa:kas123456 is a2Fzc2E6a2FzMTIzNDU2.
        assert_eq!(user.rpc_auth().as_deref(), Some("a2Fzc2E6a2FzMTIzNDU2"));
        assert_eq!(
            user.authorization().as_deref(),
            Some("Basic a2Fzc2E6a2FzMTIzNDU2")
        );
        assert_eq!(user.ws_token_query(), None);
        let token = Credentials {
            token: Some("a b&c=d/é".into()),
            user: None,
        };
        assert_eq!(token.authorization().as_deref(), Some("Bearer a b&c=d/é"));
        assert_eq!(
            token.ws_token_query().as_deref(),
            Some("token=a%20b%26c%3Dd%2F%C3%A9")
        );
        assert_eq!(Credentials::default().authorization(), None);
    }
}
