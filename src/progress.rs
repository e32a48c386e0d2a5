//! A progress indicator for long API work (the root-token hunt over many tokens, cluster
//! mode): a bar on standard error when it is a terminal, nothing otherwise or with `-q`.
//!
//! Collectors call [`global()`]`.start(total, label)`, `.inc(1)` per item and `.finish()`.
//! The hook is process-wide because progress is a property of the terminal, not of the facts:
//! threading it through every collector's options would couple them to the CLI.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};

/// What a long-running collector reports as it goes.
pub trait Progress: Send + Sync {
    /// A new phase of `total` items (0 when unknown), e.g. `start(120, "tokens")`.
    fn start(&self, total: u64, label: &str);
    /// `n` more items done.
    fn inc(&self, n: u64);
    /// The phase is over: clear the indicator.
    fn finish(&self);
}

/// Shows nothing: output is not a terminal, or `-q`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _label: &str) {}
    fn inc(&self, _n: u64) {}
    fn finish(&self) {}
}

/// An indicatif bar (or spinner when the total is unknown) on standard error.
#[derive(Debug)]
pub struct Bar {
    target: fn() -> ProgressDrawTarget,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    pub fn stderr() -> Bar {
        Bar {
            target: ProgressDrawTarget::stderr,
            bar: Mutex::new(None),
        }
    }

    /// A bar that draws nowhere (tests).
    pub fn hidden() -> Bar {
        Bar {
            target: ProgressDrawTarget::hidden,
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // A poisoned lock only means another thread panicked mid-draw: keep drawing.
        let mut guard = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard);
    }
}

impl Progress for Bar {
    fn start(&self, total: u64, label: &str) {
        self.with_bar(|slot| {
            if let Some(old) = slot.take() {
                old.finish_and_clear();
            }
            let bar = if total == 0 {
                ProgressBar::with_draw_target(None, (self.target)())
            } else {
                ProgressBar::with_draw_target(Some(total), (self.target)())
            };
            let template = if total == 0 {
                "{spinner} {msg}: {pos}"
            } else {
                "{msg} [{bar:30}] {pos}/{len} ({eta})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            *slot = Some(bar);
        });
    }

    fn inc(&self, n: u64) {
        self.with_bar(|slot| {
            if let Some(bar) = slot {
                bar.inc(n);
            }
        });
    }

    fn finish(&self) {
        self.with_bar(|slot| {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        });
    }
}

/// Which indicator a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bar,
    Silent,
}

/// The selection rule: a bar only for a person watching a terminal who did not ask for quiet.
pub fn choose(stderr_is_terminal: bool, quiet: bool) -> Kind {
    if stderr_is_terminal && !quiet {
        Kind::Bar
    } else {
        Kind::Silent
    }
}

/// The indicator for this process's standard error.
pub fn for_stderr(quiet: bool) -> Arc<dyn Progress> {
    match choose(std::io::stderr().is_terminal(), quiet) {
        Kind::Bar => Arc::new(Bar::stderr()),
        Kind::Silent => Arc::new(Silent),
    }
}

static GLOBAL: OnceLock<Arc<dyn Progress>> = OnceLock::new();

/// Sets the process's indicator; the first call wins (one command per process).
pub fn install(progress: Arc<dyn Progress>) {
    let _ = GLOBAL.set(progress);
}

/// The process's indicator: [`Silent`] until [`install`] is called (library use, tests).
pub fn global() -> Arc<dyn Progress> {
    GLOBAL.get().cloned().unwrap_or_else(|| Arc::new(Silent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_on_a_terminal_without_quiet() {
        assert_eq!(choose(true, false), Kind::Bar);
        assert_eq!(choose(true, true), Kind::Silent);
        assert_eq!(choose(false, false), Kind::Silent);
        assert_eq!(choose(false, true), Kind::Silent);
    }

    #[test]
    fn quiet_is_silent_whatever_the_terminal() {
        // The test harness's stderr may or may not be a terminal: quiet wins either way.
        let p = for_stderr(true);
        p.start(3, "tokens");
        p.inc(3);
        p.finish();
        // Without an install, collectors get a silent indicator.
        let g = global();
        g.start(0, "nodes");
        g.inc(1);
        g.finish();
    }

    #[test]
    fn a_bar_counts_and_clears() {
        let bar = Bar::hidden();
        bar.inc(1); // before start: ignored
        bar.start(10, "tokens");
        bar.inc(4);
        let pos = bar.bar.lock().unwrap().as_ref().map(|b| b.position());
        assert_eq!(pos, Some(4));
        bar.start(0, "nodes"); // a new phase replaces the old bar
        assert_eq!(
            bar.bar.lock().unwrap().as_ref().and_then(|b| b.length()),
            None
        );
        bar.finish();
        assert!(bar.bar.lock().unwrap().is_none());
    }
}
