//! What the first KiB of a file says about it, read as the scan passes the
//! bytes (they are hashed anyway): only signals are kept, never the bytes.
//! A file's name says what it may be (`.npmrc`, `id_rsa`); these say what
//! it holds (a private key block, a cloud credential, a token). The findings
//! (`findings/`) put the two together.

/// How much of a file's start is looked at.
pub const HEAD: usize = 1024;

/// Signals found in a file's first [`HEAD`] bytes: a small bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Signals(u8);

impl Signals {
    pub const NONE: Signals = Signals(0);
    /// A PEM or OpenSSH private key block (`-----BEGIN … PRIVATE KEY-----`).
    pub const PRIVATE_KEY: Signals = Signals(1);
    /// A cloud credential: an AWS access key id with its secret, or a GCP
    /// service-account key (`"type": "service_account"` with a `private_key`).
    pub const CLOUD_CREDENTIAL: Signals = Signals(2);
    /// A token or password assignment as registry and package-manager
    /// config files write them (`_authToken=`, `"auth": "…"`, `password …`).
    pub const TOKEN: Signals = Signals(4);

    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set of these bits (unknown bits dropped).
    pub fn from_bits(bits: u8) -> Signals {
        Signals(bits & 7)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn has(self, other: Signals) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    fn with(self, other: Signals, on: bool) -> Signals {
        if on {
            Signals(self.0 | other.0)
        } else {
            self
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The signals in `head` (a file's first bytes, at most [`HEAD`] looked at).
pub fn sniff(head: &[u8]) -> Signals {
    let head = &head[..head.len().min(HEAD)];
    // Most files have none of the marks below: one pass for the bytes they
    // all start with settles them.
    if memchr::memchr3(b'-', b'"', b'=', head).is_none() && find(head, b"password").is_none() {
        return Signals::NONE;
    }
    let private_key = find(head, b"-----BEGIN ").is_some_and(|at| {
        let line = &head[at + 11..];
        let end = memchr::memchr(b'\n', line).unwrap_or(line.len());
        find(&line[..end], b"PRIVATE KEY-----").is_some()
    });
    let cloud = (has_aws_key_id(head) && find(head, b"aws_secret_access_key").is_some())
        || (find(head, b"\"service_account\"").is_some()
            && find(head, b"\"private_key\"").is_some());
    let token = [
        &b"_authToken="[..],
        b"_auth=",
        b"_password=",
        b"\"auth\":",
        b"\"identitytoken\":",
        b"password",
        b"aws_secret_access_key",
    ]
    .iter()
    .any(|mark| has_value_after(head, mark));
    Signals::NONE
        .with(Signals::PRIVATE_KEY, private_key)
        .with(Signals::CLOUD_CREDENTIAL, cloud)
        .with(Signals::TOKEN, token)
}

/// `AKIA` or `ASIA` followed by 16 upper-case letters or digits.
fn has_aws_key_id(head: &[u8]) -> bool {
    let mut rest = head;
    while let Some(at) = find(rest, b"IA") {
        let start = at.saturating_sub(2);
        let word = &rest[start..];
        if (word.starts_with(b"AKIA") || word.starts_with(b"ASIA"))
            && word.len() >= 20
            && word[4..20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return true;
        }
        rest = &rest[at + 2..];
    }
    false
}

/// Whether `mark` appears with a non-empty value after it on its line
/// (after `=`, `:`, spaces and quotes): `password secret`, `"auth": "dXNl"`,
/// `_authToken=abc`; not `"auth": ""` or a lone `password` word at a line's end.
fn has_value_after(head: &[u8], mark: &[u8]) -> bool {
    let mut rest = head;
    while let Some(at) = find(rest, mark) {
        let after = &rest[at + mark.len()..];
        let end = memchr::memchr(b'\n', after).unwrap_or(after.len());
        let value = after[..end]
            .iter()
            .copied()
            .skip_while(|b| matches!(b, b' ' | b'\t' | b'=' | b':' | b'"' | b'\''))
            .take_while(|b| !matches!(b, b'"' | b'\'' | b'\r' | b',' | b'}'))
            .count();
        if value > 0 {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_in_every_spelling() {
        for text in [
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE…",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl…",
            "-----BEGIN PRIVATE KEY-----\n",
            "-----BEGIN EC PRIVATE KEY-----\n",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
            "Bag Attributes\n-----BEGIN PRIVATE KEY-----\n",
        ] {
            assert!(sniff(text.as_bytes()).has(Signals::PRIVATE_KEY), "{text}");
        }
        for text in [
            "-----BEGIN CERTIFICATE-----\nMIIB",
            "-----BEGIN PUBLIC KEY-----\n",
            "ssh-rsa AAAAB3Nza user@host\n",
            "-----BEGIN \n PRIVATE KEY-----",
        ] {
            assert_eq!(sniff(text.as_bytes()), Signals::NONE, "{text}");
        }
    }

    #[test]
    fn cloud_credentials() {
        let aws = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n";
        assert!(sniff(aws.as_bytes()).has(Signals::CLOUD_CREDENTIAL));
        let gcp = r#"{"type": "service_account", "project_id": "p", "private_key_id": "1", "private_key": "-----BEGIN PRIVATE KEY-----\nMII"#;
        let s = sniff(gcp.as_bytes());
        assert!(s.has(Signals::CLOUD_CREDENTIAL) && s.has(Signals::PRIVATE_KEY));
        assert!(!sniff(b"AKIAIOSFODNN7EXAMPLE alone, no secret").has(Signals::CLOUD_CREDENTIAL));
        assert!(!sniff(b"{\"type\": \"authorized_user\"}").has(Signals::CLOUD_CREDENTIAL));
    }

    #[test]
    fn tokens_with_a_value_only() {
        for text in [
            "//registry.npmjs.org/:_authToken=npm_abc123\n",
            "{\"auths\":{\"r.io\":{\"auth\":\"dXNlcjpwYXNz\"}}}",
            "[pypi]\nusername = __token__\npassword = pypi-AgEI\n",
            "machine github.com login me password s3cret\n",
        ] {
            assert!(sniff(text.as_bytes()).has(Signals::TOKEN), "{text}");
        }
        for text in [
            "registry=https://registry.npmjs.org/\n",
            "{\"auths\":{\"r.io\":{\"auth\":\"\"}}}",
            "{\"credsStore\": \"desktop\"}",
            "# no password\n",
            "plain text without marks",
        ] {
            assert!(!sniff(text.as_bytes()).has(Signals::TOKEN), "{text}");
        }
    }

    #[test]
    fn only_the_head_is_looked_at() {
        let mut text = vec![b'x'; HEAD];
        text.extend_from_slice(b"-----BEGIN PRIVATE KEY-----\n");
        assert_eq!(sniff(&text), Signals::NONE);
    }
}
