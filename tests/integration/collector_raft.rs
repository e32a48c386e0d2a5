//! A single raft node: uninitialized, then initialized, then sealed (real server).

use crate::testkit::RaftServer;
use url::Url;
use vaultsec::facts::api::{self, ApiOptions, ProbeState, Token};

#[test]
fn uninitialized_then_active_then_sealed() {
    let raft = RaftServer::start(false).expect("raft server");
    let addr = Url::parse(&raft.addr).expect("url");

    // Uninitialized: health answers 501 and is parsed; authenticated reads are not attempted.
    let facts = api::collect(&ApiOptions::new(addr.clone(), None), None);
    assert_eq!(facts.state, ProbeState::Ok);
    assert_eq!(facts.health.http_status, Some(501));
    let h = facts.health.data.as_ref().expect("health");
    assert_eq!(h.initialized, Some(false));
    assert_eq!(h.status_meaning, "uninitialized");
    assert_eq!(
        facts.audit.reason.as_deref(),
        Some("server is not initialized")
    );
    assert_eq!(
        facts
            .seal_status
            .data
            .as_ref()
            .and_then(|s| s.storage_type.clone())
            .as_deref(),
        Some("raft")
    );

    let (root, _key) = raft.init_unseal().expect("init + unseal");
    let facts = api::collect(
        &ApiOptions::new(addr.clone(), Token::new(root.clone())),
        None,
    );
    assert_eq!(facts.health.http_status, Some(200));
    let rc = facts
        .raft_configuration
        .data
        .as_ref()
        .expect("raft configuration");
    // One voter: the quorum rule must fail on this fixture.
    assert_eq!((rc.voters, rc.servers.len()), (1, 1));
    assert_eq!(facts.autopilot.state, ProbeState::Ok);
    // No audit device configured on this node: the audit rule must fail.
    assert_eq!(facts.audit_devices.total, 0);
    assert!(facts.audit_devices.known);
    let hunt = facts.root_token_hunt.data.as_ref().expect("hunt");
    assert_eq!(hunt.root_tokens.len(), 1);
    assert_eq!(hunt.root_tokens[0].path.as_deref(), Some("auth/token/root"));
    assert_eq!(hunt.root_tokens[0].display_name.as_deref(), Some("root"));

    // Sealed: 503 is an answer; the leader endpoint's "sealed" error is a skip.
    raft.admin(Some(&root))
        .expect("admin")
        .seal()
        .expect("seal");
    let facts = api::collect(&ApiOptions::new(addr, Token::new(root)), None);
    assert_eq!(facts.state, ProbeState::Ok);
    assert_eq!(facts.health.http_status, Some(503));
    assert_eq!(
        facts.health.data.as_ref().and_then(|h| h.sealed),
        Some(true)
    );
    assert_eq!(
        facts.seal_status.data.as_ref().and_then(|s| s.sealed),
        Some(true)
    );
    assert_eq!(facts.leader.state, ProbeState::Skip, "{:?}", facts.leader);
    assert_eq!(facts.audit.reason.as_deref(), Some("server is sealed"));
    assert_eq!(facts.root_token_hunt.state, ProbeState::Skip);
}

#[test]
fn client_certificate_for_a_mutual_tls_listener() {
    let (raft, (cert, key)) = RaftServer::start_mtls().expect("mtls raft server");
    let mut o = ApiOptions::new(Url::parse(&raft.addr).expect("url"), None);
    o.tls.ca_cert = raft.ca_cert.clone();
    // Without a client certificate the handshake is refused: a source error.
    let facts = api::collect(&o, None);
    assert_eq!(facts.state, ProbeState::Error, "{:?}", facts.health);
    // With VAULT_CLIENT_CERT / VAULT_CLIENT_KEY it answers.
    o.tls.client_cert = Some(cert);
    o.tls.client_key = Some(key);
    let facts = api::collect(&o, None);
    assert_eq!(facts.state, ProbeState::Ok, "{:?}", facts.reason);
    assert_eq!(facts.health.http_status, Some(501));
}
