//! Where wasi-run's options end and the guest's arguments begin.
//!
//! Options come before MODULE; MODULE and everything after it belong to
//! the guest, untouched (`-V`, `--help`, `--env`, `--` and `-` included).
//! The split is made by walking the options with clap's own description of
//! them (which take a separate value), so it cannot disagree with the
//! parser.

use clap::Command;
use std::ffi::OsString;

/// The command line, split.
#[derive(Debug, Default)]
pub(crate) struct Split {
    /// wasi-run's own options (a leading `run` and the `--` before MODULE
    /// removed).
    pub(crate) options: Vec<OsString>,
    /// MODULE, if given.
    pub(crate) module: Option<OsString>,
    /// The guest's arguments after MODULE.
    pub(crate) guest: Vec<OsString>,
    /// An option that takes an optional value only with `=` (`--trace`)
    /// given just before MODULE: the user may have meant its value to be
    /// what became MODULE.
    pub(crate) optional_value_before_module: Option<String>,
}

/// How an option uses the token after it.
enum Takes {
    /// The next token is its value.
    Value,
    /// It stands alone (a flag, or a value only with `=`).
    Nothing,
}

fn long_takes(cmd: &Command, name: &str) -> Option<(Takes, bool)> {
    let arg = cmd
        .get_arguments()
        .find(|a| a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name)))?;
    Some(takes(arg))
}

fn short_takes(cmd: &Command, c: char) -> Option<(Takes, bool)> {
    let arg = cmd.get_arguments().find(|a| a.get_short() == Some(c))?;
    Some(takes(arg))
}

/// Whether `arg` takes the next token, and whether it takes an optional
/// value that must be attached with `=`.
fn takes(arg: &clap::Arg) -> (Takes, bool) {
    let num = arg.get_num_args().unwrap_or_default();
    let optional_attached = arg.is_require_equals_set() && num.min_values() == 0;
    if num.takes_values() && num.min_values() > 0 && !arg.is_require_equals_set() {
        (Takes::Value, false)
    } else {
        (Takes::Nothing, optional_attached)
    }
}

/// Splits `args` (without the program name). `cmd` must be built.
pub(crate) fn split(cmd: &Command, args: &[OsString]) -> Split {
    let mut out = Split::default();
    let mut i = 0;
    // wasmtime's spelling: `wasi-run run [OPTIONS] MODULE`.
    if args.first().is_some_and(|a| a == "run") {
        i = 1;
    }
    let mut last_optional: Option<String> = None;
    while i < args.len() {
        let a = &args[i];
        let text = a.to_string_lossy();
        if text == "--" {
            i += 1;
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            out.options.push(a.clone());
            let (name, attached) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            last_optional = None;
            match long_takes(cmd, name) {
                Some((Takes::Value, _)) if !attached => {
                    if let Some(v) = args.get(i + 1) {
                        out.options.push(v.clone());
                    }
                    i += 2;
                    continue;
                }
                Some((_, true)) if !attached => last_optional = Some(format!("--{name}")),
                _ => {}
            }
            i += 1;
            continue;
        }
        if text.len() > 1 && text.starts_with('-') {
            out.options.push(a.clone());
            last_optional = None;
            // A cluster of short options; the first that takes a value
            // takes the rest of the cluster, or the next token.
            let mut takes_next = false;
            for (at, c) in text.char_indices().skip(1) {
                if let Some((Takes::Value, _)) = short_takes(cmd, c) {
                    takes_next = at + c.len_utf8() == text.len();
                    break;
                }
            }
            if takes_next {
                if let Some(v) = args.get(i + 1) {
                    out.options.push(v.clone());
                }
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        break;
    }
    if let Some(module) = args.get(i) {
        out.module = Some(module.clone());
        out.guest = args[i + 1..].to_vec();
        out.optional_value_before_module = last_optional;
    }
    out
}
