//! Red-team regressions: each test is an attack on this turn's trust and hardening work that
//! broke it once (a false verdict, a leak, a crash), kept so it cannot come back.

use crate::api_rules::scan;
use crate::testkit::DevServer;

/// A server whose config disables user lockout for every method, scanned from the API only
/// (the usual remote scan, no config file at hand): the running server says so itself in
/// `sys/config/state/sanitized`, so the rule fails instead of passing unseen. Checked on a
/// real OpenBao, where seven wrong passwords in a row lock nobody out.
#[test]
fn lockout_disabled_in_the_running_config_fails_without_a_config_file() {
    let dev = DevServer::start_with_config("user_lockout \"all\" {\n  disable_lockout = true\n}\n")
        .expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.user-lockout-disabled",
        ],
    );
    run.expect("api.user-lockout-disabled", "fail");
    let (_, subject, message) = &run.of("api.user-lockout-disabled")[0];
    assert_eq!(subject, "auth mount userpass/");
    assert!(message.contains("running configuration"), "{message}");
}

/// Nothing says whether lockout is on (no config file, and the running config is hidden from
/// the token): the verdict is not `pass`.
#[test]
fn lockout_unseen_anywhere_is_not_a_pass() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    admin
        .put_policy(
            "no-sanitized",
            "path \"sys/auth\" { capabilities = [\"read\", \"sudo\"] }\npath \"sys/auth/+/tune\" { capabilities = [\"read\", \"sudo\"] }\npath \"sys/namespaces\" { capabilities = [\"list\"] }\npath \"sys/namespaces/*\" { capabilities = [\"list\"] }\n",
        )
        .expect("policy");
    let (token, _) = admin
        .create_token(serde_json::json!({ "policies": ["no-sanitized"], "ttl": "1h" }))
        .expect("token");
    let run = scan(
        &dev.addr,
        Some(&token),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.user-lockout-disabled",
        ],
    );
    let found = run.of("api.user-lockout-disabled");
    assert!(!found.is_empty(), "{}", run.stdout);
    for (status, _, message) in &found {
        assert_eq!(status, "skip", "{message}");
        assert!(message.contains("insufficient permission"), "{message}");
    }
    assert_eq!(
        run.code,
        Some(3),
        "a skip for permission leaves the scan incomplete"
    );
}
