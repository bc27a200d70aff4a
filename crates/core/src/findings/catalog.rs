//! What paths and names are: a secret, a package manager's cache, a build
//! tool chain, a secret-looking variable. The one place that knows these
//! lists; the findings and the build advice both ask here.

pub use crate::layers::sniff::Signals;

/// What kind of secret a file is, as a person would name it.
pub fn secret_file(path: &str, signals: Signals) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if matches!(name, "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519") {
        return Some("an SSH private key");
    }
    if signals.has(Signals::PRIVATE_KEY) {
        return Some("a private key");
    }
    if signals.has(Signals::CLOUD_CREDENTIAL) {
        return Some("a cloud credential");
    }
    if path.ends_with(".aws/credentials") || path == "aws/credentials" {
        return Some("AWS credentials");
    }
    if path.ends_with(".config/gcloud/application_default_credentials.json")
        || path.ends_with(".config/gcloud/credentials.db")
    {
        return Some("gcloud credentials");
    }
    if name == ".git-credentials" {
        return Some("git credentials");
    }
    if is_dotenv(name) {
        return Some("a .env file");
    }
    if [".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        return Some("a key store");
    }
    let token_file = matches!(
        name,
        ".npmrc" | ".pypirc" | ".netrc" | "_netrc" | ".dockercfg" | ".yarnrc.yml"
    ) || path.ends_with(".docker/config.json")
        || path.ends_with(".gem/credentials")
        || path.ends_with(".composer/auth.json");
    if token_file && signals.has(Signals::TOKEN) {
        return Some("a token or password");
    }
    None
}

/// `.env`, `.env.production`, but not the templates people commit on
/// purpose (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`).
fn is_dotenv(name: &str) -> bool {
    match name.strip_prefix(".env") {
        Some("") => true,
        Some(rest) => {
            rest.starts_with('.')
                && ![".example", ".sample", ".template", ".dist", ".defaults"]
                    .iter()
                    .any(|t| rest.ends_with(t))
        }
        None => false,
    }
}

/// Where package managers keep what they downloaded or indexed, and the
/// tool's name. Prefixes end with `/`.
pub const CACHES: &[(&str, &str)] = &[
    ("var/lib/apt/lists/", "apt-get"),
    ("var/cache/apt/", "apt-get"),
    ("var/cache/apk/", "apk"),
    ("var/cache/yum/", "yum"),
    ("var/cache/dnf/", "dnf"),
    ("var/cache/zypp/", "zypper"),
    ("root/.cache/pip/", "pip"),
    ("root/.npm/", "npm"),
    ("usr/local/share/.cache/yarn/", "yarn"),
    ("root/.cache/yarn/", "yarn"),
    ("root/.yarn/berry/cache/", "yarn"),
    ("root/.cache/go-build/", "go"),
    ("root/go/pkg/mod/cache/", "go"),
    ("usr/local/cargo/registry/", "cargo"),
    ("root/.cargo/registry/", "cargo"),
    ("root/.m2/repository/", "maven"),
    ("root/.gradle/caches/", "gradle"),
    ("root/.composer/cache/", "composer"),
];

/// The cache a path is in: its prefix (no trailing `/`) and the tool.
/// apt's lock files and `partial/` directories are the tool's own
/// furniture, not a cache left behind.
pub fn cache_of(path: &str) -> Option<(&'static str, &'static str)> {
    CACHES
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .filter(|_| !path.ends_with("/lock"))
        .map(|(prefix, tool)| (prefix.trim_end_matches('/'), *tool))
}

/// A build tool chain's marker file, by its name and the names of its
/// parents (innermost first): the tool's name and how many levels up its
/// home is.
pub fn toolchain_marker(name: &str, parents: &[&str]) -> Option<(&'static str, usize)> {
    let parent = |i: usize| parents.get(i).copied().unwrap_or("");
    match name {
        // …/gcc/<target>/<version>/cc1 (Debian's lib/gcc, Alpine's libexec/gcc)
        "cc1" if parent(2) == "gcc" => Some(("GCC", 3)),
        "javac" if parent(0) == "bin" => Some(("a JDK (javac)", 2)),
        // …/rustup/toolchains/<toolchain>/bin/rustc
        "rustc" if parent(0) == "bin" && parent(2) == "toolchains" => Some(("Rust (rustup)", 4)),
        "go" if parent(0) == "bin" && parent(1) == "go" => Some(("Go", 2)),
        "clang" if parent(0) == "bin" && parent(1).starts_with("llvm") => Some(("LLVM/Clang", 2)),
        _ => None,
    }
}

/// Whether an environment variable's (or build argument's) name says it
/// holds a secret, and its value is one (not empty, not a file's path, not
/// a public key's fingerprint).
pub fn secret_variable(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let value = value.trim();
    if value.is_empty() || value.starts_with('/') || value.starts_with('$') {
        return false;
    }
    if looks_like_aws_key_id(value) {
        return true;
    }
    const MARKS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ];
    const NOT: &[&str] = &["_FILE", "_PATH", "_DIR", "_FILES"];
    MARKS.iter().any(|m| upper.contains(m))
        && !NOT.iter().any(|s| upper.ends_with(s))
        && !upper.contains("GPG")
        && !upper.contains("PUBLIC")
}

fn looks_like_aws_key_id(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A secret value as it may be shown: its first two characters.
pub fn masked(value: &str) -> String {
    let shown: String = value.chars().take(2).collect();
    format!("{shown}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files_by_name_and_content() {
        let none = Signals::NONE;
        assert!(secret_file("root/.ssh/id_rsa", none).is_some());
        assert!(secret_file("root/.ssh/id_rsa.pub", none).is_none());
        assert!(secret_file("app/.env", none).is_some());
        assert!(secret_file("app/.env.production", none).is_some());
        assert!(secret_file("app/.env.example", none).is_none());
        assert!(secret_file("app/.envrc", none).is_none());
        assert!(secret_file("root/.aws/credentials", none).is_some());
        assert!(secret_file("etc/ssl/private/x.pem", Signals::PRIVATE_KEY).is_some());
        assert!(secret_file("etc/ssl/certs/x.pem", none).is_none());
        // A token file only when it holds a token.
        assert!(secret_file("root/.npmrc", none).is_none());
        assert!(secret_file("root/.npmrc", Signals::TOKEN).is_some());
        assert!(secret_file("root/.docker/config.json", Signals::TOKEN).is_some());
        // A token mark alone, in a file of no such name, is not a secret.
        assert!(secret_file("usr/share/doc/x/README", Signals::TOKEN).is_none());
    }

    #[test]
    fn caches() {
        assert_eq!(
            cache_of("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"),
            Some(("var/lib/apt/lists", "apt-get"))
        );
        assert_eq!(cache_of("var/lib/apt/lists/lock"), None);
        assert_eq!(cache_of("var/lib/apt/listsx"), None);
        assert_eq!(
            cache_of("root/.cache/pip/http/a/b"),
            Some(("root/.cache/pip", "pip"))
        );
    }

    #[test]
    fn toolchains() {
        assert_eq!(
            toolchain_marker("cc1", &["12", "x86_64-linux-gnu", "gcc", "lib", "usr"]),
            Some(("GCC", 3))
        );
        assert_eq!(toolchain_marker("cc1", &["bin"]), None);
        assert_eq!(
            toolchain_marker("go", &["bin", "go", "local"]),
            Some(("Go", 2))
        );
        assert_eq!(toolchain_marker("go", &["bin", "usr"]), None);
    }

    #[test]
    fn secret_variables() {
        assert!(secret_variable("NPM_TOKEN", "npm_abc"));
        assert!(secret_variable("db_password", "hunter2"));
        assert!(secret_variable("ANYTHING", "AKIAIOSFODNN7EXAMPLE"));
        assert!(!secret_variable("NPM_TOKEN", ""));
        assert!(!secret_variable("PASSWORD_FILE", "/run/secrets/db"));
        assert!(!secret_variable(
            "GPG_KEY",
            "A035C8C19219BA821ECEA86B64E628F8D684696D"
        ));
        assert!(!secret_variable("TOKEN_PATH", "x"));
        assert!(!secret_variable("PATH", "/usr/bin"));
        assert!(!secret_variable("PYTHON_VERSION", "3.12.1"));
        assert_eq!(masked("hunter2"), "hu…");
    }
}
