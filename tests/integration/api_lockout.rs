//! `api.user-lockout-disabled` across sources: the API shows only per-mount overrides, so a
//! `user_lockout` block of the server config that disables lockout is judged from the config.
//! On a real dev server with a userpass mount and no per-mount override.

use crate::api_rules::scan;
use crate::testkit::DevServer;

fn config(dir: &std::path::Path, body: &str) -> String {
    let f = dir.join("vault.hcl");
    std::fs::write(&f, body).expect("write config");
    f.display().to_string()
}

#[test]
fn lockout_disabled_in_the_config_fails_and_the_mount_override_wins() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    let dir = tempfile::tempdir().expect("temp dir");
    let select = ["--no-host", "--select", "api.user-lockout-disabled"];

    // No block in the config: lockout is on by default.
    let none = config(
        dir.path(),
        "storage \"raft\" {\n  path = \"/opt/vault/data\"\n}\n",
    );
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[&select[..], &["-c", &none]].concat(),
    );
    run.expect("api.user-lockout-disabled", "pass");

    // user_lockout "all" disables it for every method.
    let all = config(
        dir.path(),
        "user_lockout \"all\" {\n  disable_lockout = \"true\"\n}\n",
    );
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[&select[..], &["-c", &all]].concat(),
    );
    run.expect("api.user-lockout-disabled", "fail");
    let (_, _, message) = &run.of("api.user-lockout-disabled")[0];
    assert!(
        message.contains("user_lockout \"all\" in the config"),
        "{message}"
    );

    // A per-type block overrides "all".
    let typed = config(
        dir.path(),
        "user_lockout \"all\" {\n  disable_lockout = true\n}\nuser_lockout \"userpass\" {\n  disable_lockout = false\n}\n",
    );
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[&select[..], &["-c", &typed]].concat(),
    );
    run.expect("api.user-lockout-disabled", "pass");

    // Without the config source, only the API is judged: no override there, so it passes.
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
    run.expect("api.user-lockout-disabled", "pass");
}
