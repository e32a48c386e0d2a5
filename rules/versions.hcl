# Minimum server versions for api.version-outdated: the first release that fixes the most
# recent security advisory we track, per product. Update this file when an advisory is
# published; `--set api.version-outdated.minimum=X.Y.Z` raises the floor for one scan.

data {
  minimum_versions = {
    # HCSEC-2026-08 (CVE-2026-5807, CVSS 7.5, published 2026-04-16): denial of service through
    # the unauthenticated generate-root and rekey endpoints; affects Vault Community and
    # Enterprise up to 1.21.4. Source: HashiCorp security bulletin HCSEC-2026-08 (as summarised
    # at systemshardening.com, "HashiCorp Vault API Surface Hardening").
    vault = {
      version  = "1.21.5"
      advisory = "HCSEC-2026-08 (CVE-2026-5807, unauthenticated generate-root/rekey denial of service)"
    }
    # OpenBao 2.0.3 "fixes several security issues over v2.0.0 GA" (OpenBao maintainer, release
    # v2.0.3, November 2024: https://github.com/openbao/openbao/releases/tag/v2.0.3).
    openbao = {
      version  = "2.0.3"
      advisory = "the security fixes of OpenBao v2.0.3 (https://github.com/openbao/openbao/releases/tag/v2.0.3)"
    }
  }
}
