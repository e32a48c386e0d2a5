//! Every file of the shared certificate corpus, checked against MANIFEST-certs.tsv.

use std::path::{Path, PathBuf};

use super::support::opts;
use crate::facts::tls::*;

/// The machine date the manifest's statuses refer to: 2026-11-23T00:00:00Z.
const MANIFEST_NOW: i64 = 1_795_392_000;

fn corpus_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = vec![PathBuf::from("/work/shared/corpus")];
    candidates.extend(manifest.ancestors().map(|a| a.join("shared/corpus")));
    candidates.extend(manifest.ancestors().map(|a| a.join("../shared/corpus")));
    candidates
        .into_iter()
        .find(|p| p.join("MANIFEST-certs.tsv").is_file())
}

struct Row {
    file: String,
    not_after: Vec<String>,
    count: usize,
    subjects: Vec<(String, bool)>,
    statuses: Vec<String>,
    notes: String,
}

fn parse_manifest(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 7, "manifest line: {line}");
        let notes = cols[6].to_string();
        let count: usize = notes
            .split(" cert(s)")
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("count in {notes}"));
        let after = |key: &str| -> String {
            let start = notes
                .find(key)
                .map(|i| i + key.len())
                .unwrap_or_else(|| panic!("{key} in {notes}"));
            let rest = &notes[start..];
            rest.split(';').next().unwrap_or("").trim().to_string()
        };
        let subjects = after("subject: ")
            .split(" | ")
            .filter(|s| *s != "-")
            .map(|s| match s.strip_suffix(" [self-signed]") {
                Some(name) => (name.to_string(), true),
                None => (s.to_string(), false),
            })
            .collect();
        let statuses = after("status at 2026-11-23: ")
            .split(" | ")
            .map(str::to_string)
            .collect();
        let not_after = cols[5].split(" | ").map(str::to_string).collect();
        rows.push(Row {
            file: cols[0].to_string(),
            not_after,
            count,
            subjects,
            statuses,
            notes,
        });
    }
    rows
}

/// "May 16 07:21:57 2024 GMT" -> "2024-05-16T07:21:57Z".
fn openssl_date_to_rfc3339(s: &str) -> String {
    let parts: Vec<&str> = s.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "{s}");
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| *x == parts[0]).expect("month") + 1;
    let d: u32 = parts[1].parse().expect("day");
    format!("{}-{m:02}-{d:02}T{}Z", parts[3], parts[2])
}

#[test]
fn corpus_certificates_match_manifest() {
    let Some(dir) = corpus_dir() else {
        eprintln!("NOTICE: shared corpus not found; corpus certificate test skipped");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST-certs.tsv")).expect("manifest");
    let rows = parse_manifest(&manifest);
    let files: Vec<_> = std::fs::read_dir(dir.join("certs"))
        .expect("certs dir")
        .collect();
    assert_eq!(
        rows.len(),
        files.len(),
        "every corpus file has a manifest row"
    );
    assert!(rows.len() >= 14);
    let mut seen_trailing = false;
    for row in &rows {
        let path = dir.join("certs").join(&row.file);
        let o = opts(MANIFEST_NOW, Some("localhost"));
        let f = analyze_files(&path, None, &o);
        // The same file as its own key must not panic either, and must not "match".
        let as_key = analyze_files(&path, Some(&path), &o);
        assert_ne!(as_key.key.state, KeyState::Ok, "{}", row.file);

        if row.count == 0 {
            assert_eq!(f.state, FactState::Error, "{}", row.file);
            assert_eq!(f.error_kind, Some(CertErrorKind::NotPem), "{}", row.file);
            assert!(f.reason.as_deref().unwrap_or("").contains(&row.file));
            continue;
        }
        assert_eq!(f.state, FactState::Ok, "{}: {:?}", row.file, f.reason);
        assert_eq!(f.certificates.len(), row.count, "{}", row.file);
        for (i, c) in f.certificates.iter().enumerate() {
            let (subject, self_signed) = &row.subjects[i];
            assert_eq!(&c.subject, subject, "{} cert {i}", row.file);
            assert_eq!(
                c.self_signed, *self_signed,
                "{} cert {i} self_signed",
                row.file
            );
            if *self_signed {
                assert_eq!(
                    c.self_signature,
                    Some(SignatureCheck::Valid),
                    "{} cert {i}",
                    row.file
                );
            }
            let expired = row.statuses[i] == "expired";
            assert_eq!(
                c.expired, expired,
                "{} cert {i} status {}",
                row.file, row.statuses[i]
            );
            assert_eq!(c.days_left < 0, expired, "{} cert {i}", row.file);
            assert_eq!(
                c.not_after,
                openssl_date_to_rfc3339(&row.not_after[i]),
                "{} cert {i}",
                row.file
            );
            assert!(!c.weak_signature, "no SHA-1 certificate in this corpus");
        }
        assert_eq!(
            f.any_expired,
            row.statuses.iter().any(|s| s == "expired"),
            "{}",
            row.file
        );
        let trailing = f
            .trailing_data
            .iter()
            .any(|t| t.kind == TrailingKind::DerAfterCertificate && t.go_rejects);
        assert_eq!(
            trailing,
            row.notes.contains("trailing data"),
            "{}",
            row.file
        );
        seen_trailing |= trailing;
    }
    assert!(seen_trailing, "the trailing-data certificate was checked");

    // Specific facts that the manifest notes describe in prose.
    let get = |name: &str| {
        analyze_files(
            &dir.join("certs").join(name),
            None,
            &opts(MANIFEST_NOW, None),
        )
    };
    let chain = get("openbao__openbao__internal_vault_diagnose_test-fixtures_chain.crt.pem");
    assert!(
        chain.chain.ordered && chain.chain.complete,
        "{:?}",
        chain.chain.issues
    );
    assert_eq!(chain.certificates[0].signature_algorithm, "SHA512-RSA");
    assert_eq!(chain.certificates[0].key_bits, 4096);
    let leaf_root =
        get("openbao__openbao__internal_vault_diagnose_test-fixtures_goodcertwithroot.pem");
    assert!(
        leaf_root.chain.ordered && leaf_root.chain.complete,
        "{:?}",
        leaf_root.chain.issues
    );
    let two_roots = get("openbao__openbao__internal_vault_diagnose_test-fixtures_twoRootCA.pem");
    assert!(
        !two_roots.chain.ordered,
        "two unrelated roots do not form a chain"
    );
    assert!(two_roots.chain.root_included);
    let ecdsa = get("openbao__openbao__internal_vault_diagnose_test-fixtures_ecdsa.crt");
    let c = &ecdsa.certificates[0];
    assert_eq!(
        (c.key_type.as_str(), c.key_bits, c.curve.as_deref()),
        ("ec", 384, Some("P-384"))
    );
    assert_eq!(c.signature_algorithm, "ECDSA-SHA256");
    let trailing =
        get("openbao__openbao__internal_vault_diagnose_test-fixtures_trailingdatacert.pem");
    assert!(trailing.certificates[0].trailing_bytes > 0);
    let client = get("hvac__hvac__tests_config_files_client-cert.pem");
    assert_eq!(
        client.certificates[0].days_left, -5,
        "expired on 2026-11-18"
    );
    let fake = get("openbao__openbao__internal_vault_diagnose_test-fixtures_fakecert.pem");
    assert_eq!(fake.error_kind, Some(CertErrorKind::NotPem));
}
