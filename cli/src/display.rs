//! What the command shows while it works: the progress of a long job or a download on standard error (an
//! indicatif bar on a terminal, plain lines otherwise), and a chat answer with its reasoning.

use std::cell::RefCell;
use std::io::Write;

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

/// Shows how much of a file has been downloaded: a byte counter on a terminal, nothing otherwise (the caller
/// prints the result).
pub struct Transfer {
    bar: Option<ProgressBar>,
}

impl Transfer {
    /// A counter on a terminal.
    pub fn new(label: &str) -> Self {
        let bar = crate::stderr_is_terminal().then(|| {
            let bar = ProgressBar::no_length();
            let style = ProgressStyle::with_template("{spinner} {prefix} {bytes}/{total_bytes} ({bytes_per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(format!("{label} downloading"));
            bar
        });
        Transfer { bar }
    }

    /// Shows the bytes received, out of the total when the server announced one.
    pub fn update(&self, received: u64, total: Option<u64>) {
        if let Some(bar) = &self.bar {
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.set_position(received);
        }
    }

    /// Removes the counter.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Dim on, and back to normal intensity (SGR 2 and 22).
const DIM: &str = "\x1b[2m";
const NORMAL: &str = "\x1b[22m";

/// Prints a chat answer as it arrives. Reasoning text comes first: dimmed on standard output when styled,
/// otherwise on standard error (so that standard output is the answer alone).
pub struct ChatPrinter {
    styled: bool,
    /// Reasoning was printed and the answer has not started yet.
    in_reasoning: bool,
}

impl ChatPrinter {
    /// A printer; `styled` when standard output takes colors.
    pub fn new(styled: bool) -> Self {
        ChatPrinter {
            styled,
            in_reasoning: false,
        }
    }

    /// A piece of reasoning.
    pub fn reasoning(&mut self, text: &str) -> std::io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if self.styled {
            let mut stdout = std::io::stdout().lock();
            if !self.in_reasoning {
                stdout.write_all(DIM.as_bytes())?;
            }
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        } else {
            let mut stderr = std::io::stderr().lock();
            stderr.write_all(text.as_bytes())?;
            stderr.flush()?;
        }
        self.in_reasoning = true;
        Ok(())
    }

    /// A piece of the answer.
    pub fn answer(&mut self, text: &str) -> std::io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.end_reasoning()?;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Ends the answer with a line break.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.end_reasoning()?;
        writeln!(std::io::stdout().lock())
    }

    /// Closes the reasoning: normal intensity again and a blank line on a terminal, a line break on
    /// standard error otherwise.
    fn end_reasoning(&mut self) -> std::io::Result<()> {
        if !self.in_reasoning {
            return Ok(());
        }
        self.in_reasoning = false;
        if self.styled {
            write!(std::io::stdout().lock(), "{NORMAL}\n\n")
        } else {
            writeln!(std::io::stderr().lock())
        }
    }
}
