//! Reading a JSON report back (`--baseline`, `vaultsec merge`): strictly, because a report
//! that cannot be read must be an input error, never a silently empty diff or fleet.

use super::{Report, SCHEMA_VERSION};
use std::path::Path;

/// A report file that cannot be used: an input error (exit 2) naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ReportFileError {
    #[error("{file}: cannot read report: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}:{line}:{column}: not a valid JSON report (corrupt or truncated?): {reason}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{file}: not a vaultsec JSON report: {reason}")]
    NotAReport { file: String, reason: String },
    #[error(
        "{file}: report schema_version {found}, but this vaultsec reads schema_version \
         {SCHEMA_VERSION}; produce it again with this version"
    )]
    SchemaVersion { file: String, found: String },
}

/// The `schema_version` of a report file, checked to be the one this build reads, and the
/// report itself.
pub fn read_report(path: &Path) -> Result<Report, ReportFileError> {
    let file = path.display().to_string();
    let bytes = crate::fsutil::read_regular(path, crate::fsutil::limit::REPORT).map_err(|e| {
        ReportFileError::Read {
            file: file.clone(),
            reason: crate::facts::config::io_reason(&e),
        }
    })?;
    parse_report(&file, &bytes)
}

/// [`read_report`] on bytes already read; `file` names them in errors.
pub fn parse_report(file: &str, bytes: &[u8]) -> Result<Report, ReportFileError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ReportFileError::Json {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
    let Some(obj) = value.as_object() else {
        return Err(ReportFileError::NotAReport {
            file: file.to_string(),
            reason: "the document is not a JSON object (give the output of --format json)".into(),
        });
    };
    // The version is checked before the shape, so a report of another version says so
    // instead of failing on whichever field changed.
    match obj.get("schema_version") {
        None => {
            return Err(ReportFileError::NotAReport {
                file: file.to_string(),
                reason: "no schema_version (give the output of --format json)".into(),
            })
        }
        Some(v) if v.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(v) => {
            return Err(ReportFileError::SchemaVersion {
                file: file.to_string(),
                found: v.to_string(),
            })
        }
    }
    let mut report: Report =
        serde_json::from_value(value).map_err(|e| ReportFileError::NotAReport {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
    // A report written before findings carried `skip_cause` still says why in the message.
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.status == crate::model::Status::Skip && f.skip_cause.is_none())
    {
        f.skip_cause = crate::model::SkipCause::of_reason(&f.message);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_truncated_other_version_and_foreign_documents() {
        let err = parse_report("r.json", br#"{"schema_version": 1, "findings": ["#).unwrap_err();
        assert!(
            matches!(err, ReportFileError::Json { line: 1, .. }),
            "{err}"
        );
        let err = parse_report("r.json", br#"{"schema_version": 2}"#).unwrap_err();
        assert!(err.to_string().contains("schema_version 2"), "{err}");
        let err = parse_report("r.json", br#"{"version": "2.1.0", "runs": []}"#).unwrap_err();
        assert!(err.to_string().contains("no schema_version"), "{err}");
        let err = parse_report("r.json", br#"{"schema_version": 1, "findings": []}"#).unwrap_err();
        assert!(matches!(err, ReportFileError::NotAReport { .. }), "{err}");
        let err = parse_report("r.json", b"[]").unwrap_err();
        assert!(err.to_string().contains("not a JSON object"), "{err}");
    }
}
