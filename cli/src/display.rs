//! Progress of a long job on standard error: an indicatif bar on a terminal, plain lines otherwise.

use std::cell::RefCell;

use indicatif::{ProgressBar, ProgressStyle};

/// Shows how far a job is.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    /// The last line printed without a terminal, to print only changes.
    last: RefCell<String>,
}

impl Progress {
    /// A bar on a terminal; plain lines otherwise.
    pub fn new(label: &str) -> Self {
        let bar = crate::stderr_is_terminal().then(|| {
            let bar = ProgressBar::new(100);
            let style =
                ProgressStyle::with_template("{spinner} {prefix} [{bar:40.cyan/blue}] {pos:>3}% {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            label: label.to_owned(),
            last: RefCell::new(String::new()),
        }
    }

    /// Shows a status and percentage; the bar follows the running maximum (progress can go down).
    pub fn update(&self, status: &str, percent: Option<f64>, max_percent: Option<f64>) {
        match &self.bar {
            Some(bar) => {
                if let Some(max) = max_percent {
                    bar.set_position(max.clamp(0.0, 100.0).round() as u64);
                }
                bar.set_message(status.to_owned());
            }
            None => {
                let line = match percent {
                    Some(percent) => format!("{} {status} {percent:.1}%", self.label),
                    None => format!("{} {status}", self.label),
                };
                if *self.last.borrow() != line {
                    eprintln!("{line}");
                    *self.last.borrow_mut() = line;
                }
            }
        }
    }

    /// Completes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.set_position(100);
            bar.finish_with_message("done");
            // The finished bar stays on screen; what follows starts on the next line.
            eprintln!();
        }
    }

    /// Leaves the bar where it stopped (the job failed).
    pub fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
            eprintln!();
        }
    }
}
