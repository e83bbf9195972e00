//! The symbolizer: function names from the module's `name` section,
//! demangled (Rust v0 and legacy by `rustc-demangle`, C++ Itanium by
//! `cpp_demangle`), and source locations from its DWARF (`addr2line` over
//! `gimli`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use wasmparser::{KnownCustom, Name, Parser, Payload};

/// One frame of a backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The function's index in the module (imports first, as in wasm).
    pub func_index: u32,
    /// The module's name (its file name, for the CLI).
    pub module: String,
    /// The function's name, demangled, if the module names it.
    pub name: Option<String>,
    /// The module offset of the last call or trapping instruction the frame
    /// reached, when the module was prepared with source lines.
    pub offset: Option<u32>,
    /// Where that instruction is in the source, from the module's DWARF.
    pub location: Option<Location>,
}

/// A place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The source file, as DWARF names it.
    pub file: String,
    /// The line (from 1).
    pub line: u32,
    /// The column, when DWARF gives one.
    pub column: Option<u32>,
}

impl Frame {
    /// The name, or `<wasm function N>` as wasmtime shows an unnamed one.
    #[must_use]
    pub fn name_or_index(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("<wasm function {}>", self.func_index))
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(offset) = self.offset {
            write!(f, "{offset:#8x} - ")?;
        }
        write!(f, "{}!{}", self.module, self.name_or_index())?;
        if let Some(l) = &self.location {
            write!(f, "\n                    at {}:{}", l.file, l.line)?;
            if let Some(c) = l.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

type Reader = gimli::EndianArcSlice<gimli::LittleEndian>;

/// What a module says about its functions.
pub(crate) struct Symbols {
    /// The module's own name, from its `name` section.
    pub(crate) module: Option<String>,
    names: HashMap<u32, String>,
    /// Where the code section's contents start: DWARF addresses are
    /// offsets from there.
    code_start: u64,
    /// DWARF's lines (behind a lock: the context caches what it parses,
    /// and the map is shared between threads).
    lines: Option<Mutex<addr2line::Context<Reader>>>,
}

/// Demangles a Rust (v0 or legacy) or C++ (Itanium) symbol; any other name
/// is its own.
pub(crate) fn demangle(name: &str) -> String {
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        return format!("{d:#}");
    }
    if name.starts_with("_Z")
        && let Ok(sym) = cpp_demangle::Symbol::new(name)
        && let Ok(d) = sym.demangle()
    {
        return d;
    }
    name.to_owned()
}

impl Symbols {
    /// Reads the names of `wasm`'s functions and, with `lines`, its DWARF.
    /// A section that cannot be read gives no names (or no lines), never an
    /// error: the backtrace shows indices then.
    pub(crate) fn read(wasm: &[u8], lines: bool) -> Symbols {
        let mut names = HashMap::new();
        let mut module = None;
        let mut code_start = 0;
        let mut dwarf: HashMap<&str, &[u8]> = HashMap::new();
        for payload in Parser::new(0).parse_all(wasm) {
            let Ok(payload) = payload else { break };
            match payload {
                Payload::CodeSectionStart { range, .. } => code_start = range.start as u64,
                Payload::CustomSection(c) => match c.as_known() {
                    KnownCustom::Name(reader) => {
                        for sub in reader.into_iter().flatten() {
                            match sub {
                                Name::Module { name, .. } => module = Some(name.to_owned()),
                                Name::Function(map) => {
                                    for naming in map.into_iter().flatten() {
                                        names.insert(naming.index, demangle(naming.name));
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    _ if lines && c.name().starts_with(".debug_") => {
                        dwarf.insert(c.name(), c.data());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        let lines = (lines && !dwarf.is_empty()).then(|| context(&dwarf)).flatten().map(Mutex::new);
        Symbols { module, names, code_start, lines }
    }

    /// The frame of function `func` that reached module offset `pos`.
    pub(crate) fn frame(&self, module: &str, func: u32, pos: Option<u32>) -> Frame {
        let location = match (&self.lines, pos) {
            (Some(ctx), Some(pos)) => u64::from(pos).checked_sub(self.code_start).and_then(|addr| {
                let ctx = ctx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let loc = ctx.find_location(addr).ok()??;
                Some(Location { file: source_path(loc.file?), line: loc.line?, column: loc.column })
            }),
            _ => None,
        };
        Frame {
            func_index: func,
            module: module.to_owned(),
            name: self.names.get(&func).cloned(),
            offset: pos,
            location,
        }
    }
}

/// A source path as DWARF gives it, without a compile directory joined in
/// front of a path that is a URL of its own (wasi-sdk's
/// `wasisdk://v30.0/src/...` under its build directory).
fn source_path(file: &str) -> String {
    if let Some(i) = file.rfind("://") {
        let scheme = file[..i].rfind(|c: char| !c.is_ascii_alphanumeric()).map_or(0, |j| j + 1);
        if scheme > 0 {
            return file[scheme..].to_owned();
        }
    }
    file.to_owned()
}

/// The DWARF context over the module's `.debug_*` sections.
fn context(sections: &HashMap<&str, &[u8]>) -> Option<addr2line::Context<Reader>> {
    let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
        let data: Arc<[u8]> = sections.get(id.name()).map_or_else(|| Arc::from(&[][..]), |d| Arc::from(*d));
        Ok(gimli::EndianArcSlice::new(data, gimli::LittleEndian))
    };
    let dwarf = gimli::Dwarf::load(load).ok()?;
    addr2line::Context::from_dwarf(dwarf).ok()
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn source_paths_lose_a_directory_joined_to_a_url() {
        use super::source_path;
        assert_eq!(source_path("wasisdk://v30.0/build/x/wasisdk://v30.0/src/abort.c"), "wasisdk://v30.0/src/abort.c");
        assert_eq!(source_path("/build/x/wasisdk://v30.0/src/abort.c"), "wasisdk://v30.0/src/abort.c");
        assert_eq!(source_path("wasisdk://v30.0/src/abort.c"), "wasisdk://v30.0/src/abort.c");
        assert_eq!(source_path("/src/main.rs"), "/src/main.rs");
    }

    #[test]
    fn demangles_rust_and_cpp() {
        assert_eq!(demangle("_ZN4core9panicking5panic17h0123456789abcdefE"), "core::panicking::panic");
        assert_eq!(demangle("_RNvCs1234_7mycrate4main"), "mycrate::main");
        assert_eq!(demangle("_Z3addii"), "add(int, int)");
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_Znot valid"), "_Znot valid");
    }
}
