//! Where a trap happened: wasm backtraces with names and source lines, core
//! dumps, and a sampling profile of the guest, on an interpreter that keeps
//! no call stack a host can read (docs/diagnostics.md).
//!
//! One entry, [`prepare`]: it takes a module's bytes and gives back the
//! module to run (rewritten to keep a shadow stack of the guest's frames)
//! and a [`FrameMap`] that turns what the shadow stack holds into
//! [`Frame`]s with names (the module's `name` section, demangled) and, with
//! [`Detail::Lines`], source lines (its DWARF). A [`Run`] given the map
//! ([`Run::diagnostics`]) reads the shadow stack when the guest traps and
//! puts the frames on the trap ([`Trap::backtrace`]); it can also write a
//! core dump and sample the stack for a profile ([`Profile`]).
//!
//! [`Run`]: crate::Run
//! [`Run::diagnostics`]: crate::Run::diagnostics
//! [`Trap::backtrace`]: crate::Trap::backtrace

mod coredump;
mod instrument;
mod symbols;

pub use instrument::Skipped;
pub use symbols::{Frame, Location};

use crate::Proposals;
use std::fmt;
use std::sync::Arc;
use wasmi::{AsContext, CompilationMode, Config, Engine, Instance, Module};
use wasmparser::WasmFeatures;

/// How much a backtrace says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Each frame's function (index and name). The cheap default.
    Frames,
    /// Also the module offset and source line (from DWARF) of the last
    /// call or trapping instruction each frame reached: wasmtime's
    /// `-D debug-info`. Costs more (docs/diagnostics.md).
    Lines,
}

/// What to prepare a module for.
#[derive(Clone, Debug)]
pub struct Options {
    /// The name frames are shown under (the CLI's is the file name); "" for
    /// the module's own (its `name` section's), or `<unknown>` as wasmtime
    /// shows a module without one.
    pub module_name: String,
    /// How much a backtrace says.
    pub detail: Detail,
    /// Make every memory and global reachable after a trap, for a core
    /// dump ([`crate::Run::core_dump`]).
    pub core_dump: bool,
    /// The proposals the module is validated under: the engine's
    /// ([`Prepared::compile`] sets them on the engine it makes).
    pub proposals: Proposals,
}

impl Options {
    /// Frames named under `module_name`, no core dump, the default
    /// proposals.
    #[must_use]
    pub fn new(module_name: impl Into<String>) -> Self {
        Options {
            module_name: module_name.into(),
            detail: Detail::Frames,
            core_dump: false,
            proposals: Proposals::default(),
        }
    }
}

/// What [`prepare`] gives: the module to run and how to read its frames.
#[derive(Debug)]
pub struct Prepared {
    /// The module to run: the original, rewritten (and valid: the original
    /// was validated on the way).
    pub wasm: Vec<u8>,
    /// How to read its frames.
    pub map: Arc<FrameMap>,
    proposals: Proposals,
}

impl Prepared {
    /// Compiles the prepared module on an engine made from `config`, with
    /// the proposals it was validated under (and multi-memory, for the
    /// shadow stack's memory). The original was validated by [`prepare`],
    /// so the engine validates each function when it first translates it
    /// (`CompilationMode::Lazy`) rather than all of them again at load:
    /// the large module starts as fast as the original did.
    ///
    /// # Errors
    /// wasmi's, if it refuses the module (a limit of its own).
    pub fn compile(&self, config: &Config) -> Result<(Engine, Module), wasmi::Error> {
        let mut config = config.clone();
        self.proposals.apply(&mut config);
        // Custom page sizes for the ring's memory of 1-byte pages: the
        // original was validated without them, so the guest cannot use them.
        config.wasm_multi_memory(true).wasm_custom_page_sizes(true).compilation_mode(CompilationMode::Lazy);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &self.wasm[..])?;
        Ok((engine, module))
    }
}

/// The most fuel a call costs more in a prepared module than in the
/// original (the prologue and epilogue the rewrite adds, in wasmi's fuel
/// units): a guest that finished within a fuel limit before finishes
/// within the limit plus this much per call it makes.
pub const FUEL_PER_CALL: u64 = 16;

/// The most memory a prepared module has for the host (the shadow stack's
/// ring: 32 KiB in most modules, 64 KiB in the others,
/// [`FrameMap::host_memory`]): [`crate::Limits::max_memory`] does not count
/// it.
pub const HOST_MEMORY_BYTES: usize = instrument::RING_BYTES as usize;

/// The limits past which a module is run without instrumentation: the
/// rewrite works in memory beside the module and adds code to every
/// function, so it is bounded.
pub const MAX_MODULE_BYTES: usize = 256 << 20;

/// Prepares `wasm` (a binary module) for backtraces as `options` say,
/// validating it on the way.
///
/// # Errors
/// [`Skipped`] says why the module is run as it is, without backtraces:
/// too large, exception handling or typed references (which the rewrite
/// does not know), or not valid ([`Skipped::invalid`]: compiling it says
/// why). The caller runs the original then (and says so in one line).
pub fn prepare(wasm: &[u8], options: &Options) -> Result<Prepared, Skipped> {
    if wasm.len() > MAX_MODULE_BYTES {
        return Err(Skipped { reason: format!("it is larger than {} MiB", MAX_MODULE_BYTES >> 20), invalid: false });
    }
    let (out, layout) = instrument::rewrite(wasm, options.detail, options.core_dump, features(&options.proposals))?;
    let symbols = symbols::Symbols::read(wasm, options.detail == Detail::Lines);
    let module_name = match (&options.module_name[..], &symbols.module) {
        ("", Some(own)) => own.clone(),
        ("", None) => "<unknown>".to_owned(),
        (given, _) => given.to_owned(),
    };
    let map = FrameMap {
        module_name,
        detail: options.detail,
        layout,
        symbols,
        original: options.core_dump.then(|| wasm.to_vec()),
    };
    Ok(Prepared { wasm: out, map: Arc::new(map), proposals: options.proposals })
}

/// Whether `name` is an export the rewrite added (a host listing a
/// prepared module's exports leaves these out).
#[must_use]
pub fn is_added_export(name: &str) -> bool {
    name.starts_with(instrument::EXPORT_PREFIX)
}

/// The validator's features for an engine with `proposals`: wasmi's base
/// (Wasm 2.0 and the floats it always has) and the proposals.
fn features(proposals: &Proposals) -> WasmFeatures {
    let mut f = WasmFeatures::empty();
    for base in [
        WasmFeatures::MUTABLE_GLOBAL,
        WasmFeatures::MULTI_VALUE,
        WasmFeatures::SATURATING_FLOAT_TO_INT,
        WasmFeatures::SIGN_EXTENSION,
        WasmFeatures::BULK_MEMORY,
        WasmFeatures::REFERENCE_TYPES,
        WasmFeatures::GC_TYPES,
        WasmFeatures::FLOATS,
    ] {
        f.insert(base);
    }
    f.set(WasmFeatures::SIMD, proposals.simd && cfg!(feature = "simd"));
    f.set(WasmFeatures::RELAXED_SIMD, proposals.relaxed_simd && cfg!(feature = "simd"));
    f.set(WasmFeatures::MEMORY64, proposals.memory64 && cfg!(feature = "memory64"));
    f.set(WasmFeatures::TAIL_CALL, proposals.tail_call);
    f.set(WasmFeatures::MULTI_MEMORY, proposals.multi_memory);
    f.set(WasmFeatures::EXTENDED_CONST, proposals.extended_const);
    f
}

/// How to turn a prepared module's shadow stack into frames.
pub struct FrameMap {
    module_name: String,
    detail: Detail,
    layout: instrument::Layout,
    symbols: symbols::Symbols,
    /// The original module, kept for core dumps.
    original: Option<Vec<u8>>,
}

impl fmt::Debug for FrameMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameMap")
            .field("module", &self.module_name)
            .field("detail", &self.detail)
            .finish_non_exhaustive()
    }
}

/// The raw frames on an instance's shadow stack: (function index,
/// position), innermost first.
pub(crate) type RawFrames = Vec<(u32, Option<u32>)>;

impl FrameMap {
    /// The name frames are shown under.
    #[must_use]
    pub fn module_name(&self) -> &str {
        &self.module_name
    }

    /// Whether the module was prepared for core dumps.
    #[must_use]
    pub fn core_dumps(&self) -> bool {
        self.original.is_some()
    }

    /// Bytes of memory the prepared module has for the host: its shadow
    /// stack's ring (at most [`HOST_MEMORY_BYTES`]).
    #[must_use]
    pub fn host_memory(&self) -> usize {
        self.layout.ring as usize
    }

    /// The detail the module was prepared with.
    #[must_use]
    pub fn detail(&self) -> Detail {
        self.detail
    }

    /// The live frames on `instance`'s shadow stack, innermost first (at
    /// most a ring's worth), and how many deeper ones the ring lost.
    pub(crate) fn raw(&self, store: impl AsContext, instance: &Instance) -> (RawFrames, usize) {
        let store = store.as_context();
        let global = |name: &str| instance.get_global(store, name).and_then(|g| g.get(store).i32());
        let (Some(memory), Some(sp)) =
            (instance.get_memory(store, instrument::SHADOW_MEMORY), global(instrument::SHADOW_SP))
        else {
            return (Vec::new(), 0);
        };
        let bytes = memory.data(store);
        let record = self.layout.record as usize;
        let depth = (sp as u32 as usize) / record;
        let ring = self.layout.ring as usize;
        let capacity = ring / record;
        let mask = (ring - 1) & !(record - 1);
        let shown = depth.min(capacity);
        let mut frames = Vec::with_capacity(shown + 1);
        // A leaf running is the innermost frame (it has no record).
        if let Some(leaf) = global(instrument::SHADOW_LEAF).filter(|&l| l >= 0) {
            frames.push((leaf as u32, None));
        }
        for k in 1..=shown {
            let at = (sp as u32 as usize).wrapping_sub(k * record) & mask;
            let word = |o: usize| bytes.get(at + o..at + o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let func = if record == 2 {
                bytes.get(at..at + 2).map_or(u32::MAX, |b| u32::from(u16::from_le_bytes([b[0], b[1]])))
            } else {
                word(0).unwrap_or(u32::MAX)
            };
            let pos = if record == 8 { word(4).filter(|&p| p != 0) } else { None };
            frames.push((func, pos));
        }
        (frames, depth - shown)
    }

    /// Frames for raw shadow-stack records: names, and lines with
    /// [`Detail::Lines`].
    pub(crate) fn frames(&self, raw: &[(u32, Option<u32>)]) -> Vec<Frame> {
        raw.iter().map(|&(func, pos)| self.symbols.frame(&self.module_name, func, pos)).collect()
    }

    /// A core dump of `instance` (tool-conventions' `Coredump.md`): the
    /// process, the module, its memories and globals as they are now, and
    /// the frames of `raw`. `None` unless the module was prepared with
    /// `dump`.
    pub(crate) fn core_dump(
        &self,
        store: impl AsContext,
        instance: &Instance,
        raw: &[(u32, Option<u32>)],
    ) -> Option<Vec<u8>> {
        let original = self.original.as_deref()?;
        Some(coredump::write(store, instance, &self.layout, &self.module_name, original, raw))
    }
}

/// Frames as wasmtime prints a backtrace: one line each (and one more for
/// each source location), innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backtrace {
    /// The frames, innermost first.
    pub frames: Vec<Frame>,
    /// Frames deeper than these that the shadow stack's ring lost.
    pub lost: usize,
}

/// How many frames a printed backtrace shows at most before it elides the
/// middle (a stack overflow has thousands): the innermost, and [`OUTER`]
/// of the outermost (where the recursion began).
const SHOWN: usize = 64;
const OUTER: usize = 16;

impl fmt::Display for Backtrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wasm backtrace:")?;
        let n = self.frames.len();
        for (i, frame) in self.frames.iter().enumerate() {
            if n > SHOWN && i == SHOWN - OUTER {
                writeln!(f, "    ... {} frames omitted ...", n - SHOWN)?;
            }
            if n > SHOWN && i >= SHOWN - OUTER && i < n - OUTER {
                continue;
            }
            write!(f, "{i:>5}: {frame}")?;
            if i + 1 < n || self.lost > 0 {
                writeln!(f)?;
            }
        }
        if self.lost > 0 {
            write!(f, "    ... and {} deeper frames", self.lost)?;
        }
        Ok(())
    }
}

/// A sampling profile of the guest's own functions: how many samples saw
/// each stack (function indices, innermost first).
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// The fuel units between samples.
    pub interval: u64,
    /// Each sample: when it was taken (since the profile began) and the
    /// stack it saw, innermost first.
    pub samples: Vec<(std::time::Duration, Vec<u32>)>,
}

impl FrameMap {
    /// The name of function `func` (demangled), or `<wasm function N>`.
    #[must_use]
    pub fn function_name(&self, func: u32) -> String {
        self.symbols.frame(&self.module_name, func, None).name_or_index()
    }
}
