//! One integration test binary (ripgrep/just style).
